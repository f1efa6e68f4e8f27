"""Learn: the course player, learner progress, quizzes and assignments, certificates, reviews and
ratings, "My learning", and course authoring."""

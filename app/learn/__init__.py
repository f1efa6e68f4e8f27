"""Learn: course structure, reusable lessons, quizzes, learner progress, ratings and certificates."""

"""Course content: courses, modules, sections, reusable lessons and quiz questions, their translations,
skills and learner ratings; the syllabus built from them. Knows the catalog's product by name only."""

"""A class: discover the submissions in a folder or zip, grade each (grade.grade_path), write each result at once,
then the gradebook, the summary and the exports. Also the course's TOML configuration and atomic file writes.
Takes a class folder or zip and the course configuration; gives OUTDIR/ (grades.csv, summary.html, <student>/).
"""

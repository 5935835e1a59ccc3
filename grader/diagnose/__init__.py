"""Diagnose: what the failures mean, named misconceptions read from behaviour (the numbers), never from the source.
Takes the plan, the learner's and the reference's op results and the evaluation; gives Diagnosis records
(diagnose.explain.diagnose), in the order a learner should fix them.
"""

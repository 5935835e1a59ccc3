"""Report: pure renderers of a GradeResult (or its dict): the JSON contract and the learner's view of it, the
terminal summary, the HTML report with its charts, and the exports other systems read (Gradescope, JUnit).
Nothing here knows how the checks ran; nothing here writes a file.
"""

"""The course's grading engine.

- ``grading.plugin``: the pytest plugin every graded test runs under (``points`` marker,
  ``--impl`` switch, ``ex`` fixture, per-test result records).
- ``grading.layout``: where chapters, exercises, tests and solutions live.
- ``grading.runner``: runs graded tests against one implementation tree, one exercise per
  subprocess, sandboxed for submissions.
- ``grading.reports``: ``grade.json``, ``junit.xml``, Gradescope ``results.json``, summaries
  and gradebooks.
- ``grading.cli``: the ``course`` command behind ``make check / grade / verify / new-exercise``.
"""

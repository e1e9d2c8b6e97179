"""The coordinator's report: plan.xlsx (tables to filter and send) and report.html (one page).

:mod:`matcher.report.build` writes both from a round and a plan (``matcher plan`` and
``match`` call it, and ``matcher report`` on a written folder); :mod:`matcher.report.facts`
works out the tables both show; :mod:`matcher.report.workbook` and :mod:`matcher.report.page`
lay them out. This module stays empty so that the file names (:mod:`matcher.report.names`)
can be imported without the rest.
"""

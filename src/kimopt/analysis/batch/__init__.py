"""A funding round: many instances solved in parallel processes, one plan each, one summary.

:mod:`~kimopt.analysis.batch.run` collects the instances and runs them (one worker process
each, every plan written as soon as it is found), :mod:`~kimopt.analysis.batch.summary`
writes the summary files and gives the DataFrame, :mod:`~kimopt.analysis.batch.progress`
shows the progress. No OR-Tools at import time: ``kimopt --help`` stays fast.
"""

from kimopt.analysis.batch.progress import Progress
from kimopt.analysis.batch.run import (
    EXIT_PRECEDENCE,
    INSTANCE_SUFFIXES,
    PLAN_SUFFIX,
    STATUS_EXIT,
    SUMMARY_NAMES,
    Interrupted,
    Row,
    RunStatus,
    Task,
    YearFigures,
    clean_temporary,
    collect,
    exit_code,
    plan_paths,
    run_batch,
    run_task,
)
from kimopt.analysis.batch.summary import (
    COLUMNS,
    HEADERS,
    neutralise,
    read_summary,
    summary_csv,
    summary_frame,
    summary_lines,
    summary_outputs,
    summary_xlsx,
    write_summary,
)

__all__ = [
    "COLUMNS",
    "EXIT_PRECEDENCE",
    "HEADERS",
    "INSTANCE_SUFFIXES",
    "PLAN_SUFFIX",
    "STATUS_EXIT",
    "SUMMARY_NAMES",
    "Interrupted",
    "Progress",
    "Row",
    "RunStatus",
    "Task",
    "YearFigures",
    "clean_temporary",
    "collect",
    "exit_code",
    "neutralise",
    "plan_paths",
    "read_summary",
    "run_batch",
    "run_task",
    "summary_csv",
    "summary_frame",
    "summary_lines",
    "summary_outputs",
    "summary_xlsx",
    "write_summary",
]

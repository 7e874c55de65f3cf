"""cnn2: the instructor's grading commands, run from the course root like nbgrader.

    cnn2 release   [ASSIGNMENT ...]                       nbgrader generate_assignment: solutions/ -> exercises/
    cnn2 collect   ASSIGNMENT SOURCE [--roster CSV]       a folder or LMS zip -> submitted/<student>/<assignment>/
    cnn2 autograde [ASSIGNMENT ...] [-j N] [--force]      sandboxed, parallel, resumable; scores into the gradebook
    cnn2 feedback  [ASSIGNMENT ...] [--format html|md]    feedback/<student>/<assignment>/<notebook>.html
    cnn2 export    [ASSIGNMENT ...] [-o CSV]              a row per student, assignment and test
    cnn2 export    --totals [--format plain|canvas|moodle]  a row per student, a total per assignment (LMS import)
    cnn2 status    [ASSIGNMENT ...]                       collected, graded, ungradable, to grade by hand, and who

Every command reads nbgrader_config.py in the current directory (CourseDirectory: folders, db_url);
--db-url overrides the gradebook (e.g. postgresql://...). Without ASSIGNMENT: all assignments in the
gradebook. Exit status: 0 done; 1 done, with problems to look at (unmatched files, notebooks that
could not be graded, grader errors); 2 nothing done (usage, course or sandbox not ready); 128 + the
signal's number when stopped by Ctrl-C or SIGTERM (what was graded is kept: run the command again
to resume).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from tqdm import tqdm

from autograder.grading import pipeline
from autograder.grading.collect import collect_submissions
from autograder.grading.course import Course, CourseError
from autograder.grading.export import TO_GRADE_BY_HAND, TOTALS_FORMATS, grade_rows, total_rows, write_csv
from autograder.grading.printable import shown
from autograder.grading.records import UNGRADABLE, cell_grades, create_table, verdict_records
from autograder.grading.roster import Roster, add_roster_to_gradebook, roster_from_gradebook
from autograder.grading.sandbox import SandboxUnavailable, check_available
from autograder.grading.status import status_table
from autograder.grading.student_feedback import feedback_path, render
from autograder.grading.table import format_table
from autograder.release import assignments, generate_release

OK, PROBLEMS, NOT_DONE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        course = Course.load(Path.cwd(), args.db_url)
        return args.command(course, args)
    except (CourseError, FileNotFoundError) as error:
        print(f"cnn2 {args.name}: {error}", file=sys.stderr)
        return NOT_DONE
    except KeyboardInterrupt:
        print(f"cnn2 {args.name}: stopped", file=sys.stderr)
        return 128 + signal.SIGINT


def release(course: Course, args) -> int:
    for name in generate_release(course.root, args.assignments or assignments(course.root), course.db_url):
        print(f"released {course.directory.release_directory}/{name}")
    return OK


def collect(course: Course, args) -> int:
    roster = Roster.read(args.roster) if args.roster else None
    with course.gradebook() as gradebook:
        notebooks = course.notebooks(gradebook, args.assignment)
        if roster is not None:
            add_roster_to_gradebook(roster, gradebook)
        else:
            roster = roster_from_gradebook(gradebook)
            if roster is not None:
                print(f"no --roster: matching against the roster kept in the gradebook ({len(roster.students)} "
                      f"students); files no student of it matches are not collected")
    report = collect_submissions(args.source, args.assignment, notebooks, course.submitted_folder, roster)
    counts = {state: sum(c.state == state for c in report.collected) for state in ("new", "updated", "unchanged")}
    print(f"collected {len(report.collected)} notebooks of {len({c.student for c in report.collected})} students "
          f"into {course.directory.submitted_directory}/: "
          + ", ".join(f"{n} {state}" for state, n in counts.items()))
    left_out = [("roster rows left out (their students are not in the gradebook)", ["row", "why"],
                 roster.problems if roster else []),
                ("files not collected", ["file", "why"], report.unmatched)]
    for title, headers, rows in left_out:
        if rows:  # names come from the download: never print them raw
            print(f"\n{len(rows)} {title}:")
            print(format_table(headers, [[shown(name), shown(why, 200)] for name, why in rows]))
    return PROBLEMS if any(rows for _, _, rows in left_out) else OK


def autograde(course: Course, args) -> int:
    try:
        check_available()
    except SandboxUnavailable as error:
        print(f"cnn2 autograde: {error}", file=sys.stderr)
        return NOT_DONE
    stopped_by = _stop_on_sigterm()
    with course.gradebook() as gradebook:
        names = _assignments(course, gradebook, args)
    run = pipeline.autograde(course, names, processes=args.processes, force=args.force,
                             job_timeout=args.job_timeout, progress=not args.quiet)
    print(pipeline.summary_table(run))
    if run.interrupted:
        return 128 + stopped_by.get("signal", signal.SIGINT)
    return PROBLEMS if run.errors or any(t.ungradable for t in run.tallies) else OK


def feedback(course: Course, args) -> int:
    written = 0
    with course.gradebook() as gradebook:
        create_table(gradebook)
        for assignment in _assignments(course, gradebook, args):
            records = [r for r in verdict_records(gradebook, assignment) if args.student in (None, r.student)]
            for record in tqdm(records, desc=f"feedback {assignment}", unit="notebook", disable=args.quiet):
                folder = course.feedback_folder(record.student, assignment)
                path = feedback_path(folder, record.notebook, args.format)
                path.parent.mkdir(parents=True, exist_ok=True)
                grades = cell_grades(gradebook, assignment, record.student, record.notebook)
                path.write_text(render(record, args.format, grades))
                written += 1
    print(f"wrote {written} feedback files under {course.directory.feedback_directory}/")
    return OK


def export(course: Course, args) -> int:
    with course.gradebook() as gradebook:
        create_table(gradebook)  # a gradebook never autograded has no verdicts yet
        names = _assignments(course, gradebook, args)
        rows = grade_rows(course, gradebook, names)
        if args.totals:
            columns, totals = total_rows(rows, gradebook, names, args.format)
    output = args.output or Path("grades_totals.csv" if args.totals else "grades_by_test.csv")
    ungradable = {(r["student_id"], r["assignment"], r["notebook"]) for r in rows if r["status"] == UNGRADABLE}
    by_hand = {(r["student_id"], r["assignment"]) for r in rows if r["status"] == TO_GRADE_BY_HAND}
    waiting = (f"{len(ungradable)} notebooks could not be graded, {len(by_hand)} submissions have cells "
               f"to grade by hand")
    if args.totals:
        write_csv(totals, output, columns)
        print(f"wrote {len(totals)} rows ({args.format}) to {output}; {waiting}: their totals are empty "
              f"until graded (`cnn2 status` names them)")
    else:
        write_csv(rows, output)
        print(f"wrote {len(rows)} rows to {output}; {waiting} (see the status and reason columns)")
    return OK


def status(course: Course, args) -> int:
    with course.gradebook() as gradebook:
        print(status_table(course, gradebook, _assignments(course, gradebook, args)))
    return OK


def _assignments(course: Course, gradebook, args) -> list[str]:
    names = args.assignments or course.released_assignments(gradebook)
    for name in names:
        course.notebooks(gradebook, name)  # raises CourseError for an assignment not released
    return names


def _stop_on_sigterm() -> dict:
    """Make SIGTERM stop the run like Ctrl-C (KeyboardInterrupt); returns where the signal is noted."""
    stopped_by: dict = {}

    def interrupt(signum, frame):
        stopped_by["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    return stopped_by


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db-url", help="gradebook database URL (default: CourseDirectory.db_url, "
                                         "sqlite:///gradebook.db in the course root)")
    parser = argparse.ArgumentParser(prog="cnn2", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    commands = parser.add_subparsers(dest="name", required=True, metavar="COMMAND")

    def command(name: str, function, help: str, assignments: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(command=function)
        if assignments:
            sub.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                             help="assignment ids (default: all in the gradebook)")
        return sub

    command("release", release, "generate the student version of assignments (nbgrader generate_assignment)")
    sub = command("collect", collect, "copy submissions from a folder or an LMS zip into submitted/",
                  assignments=False)
    sub.add_argument("assignment", metavar="ASSIGNMENT")
    sub.add_argument("source", type=Path, metavar="SOURCE", help="a folder of notebooks or a zip (Canvas, Moodle)")
    sub.add_argument("--roster", type=Path, help="CSV with columns id, first_name, last_name, email, lms_user_id")
    sub = command("autograde", autograde, "grade the collected submissions not graded yet, in parallel")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sub.add_argument("-j", "--processes", type=int, default=os.cpu_count(),
                     help="worker processes (default: the number of cores, %(default)s)")
    sub.add_argument("--force", action="store_true", help="grade again what is already graded")
    sub.add_argument("--job-timeout", type=float, default=600.0,
                     help="seconds before a notebook's grading is abandoned as 'timeout' (default %(default)g)")
    sub = command("feedback", feedback, "write each student's feedback from the verdicts")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sub.add_argument("--format", choices=["html", "md"], default="html")
    sub.add_argument("--student", help="only this student")
    sub = command("export", export, "write grades per student, assignment and test (or totals) as CSV")
    sub.add_argument("-o", "--output", type=Path,
                     help="CSV file (default: grades_by_test.csv, with --totals grades_totals.csv)")
    sub.add_argument("--totals", action="store_true",
                     help="one row per student and a total per assignment, for an LMS gradebook import")
    sub.add_argument("--format", choices=TOTALS_FORMATS, default="plain",
                     help="with --totals: the columns of the LMS that imports it (default: %(default)s)")
    command("status", status, "show what is collected, graded and ungradable per assignment")
    return parser


if __name__ == "__main__":
    sys.exit(main())

"""Load tables drawn in the terminal with rich, for ``matcher load``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from matcher.report.facts import SchoolLoad
from matcher.report.load import LoadTables


def _sle_table(tables: LoadTables) -> Table:
    table = Table(title="SLE days this year against the allowance", title_justify="left")
    headings = ("SLE", "school", "projects", "this round", "earlier this year", "allowance", "left")
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("SLE", "school") else "right")
    for row in sorted(tables.sles, key=lambda r: (r.days_left, r.name, r.staff_id)):
        # Colour only where it carries meaning: an SLE with no days left this year.
        left = f"[bold red]{row.days_left}[/]" if row.days_left <= 0 else str(row.days_left)
        table.add_row(
            f"{row.name} ({row.staff_id})",
            row.school_name,
            str(row.projects),
            str(row.days_this_round),
            str(row.days_earlier),
            str(row.allowance),
            left,
        )
    return table


def _school_table(tables: LoadTables) -> Table:
    table = Table(title="Staff-days each school releases and receives", title_justify="left")
    headings = ["school", "phase", "released", "budget", "received", "give - take", "cover £"]
    if tables.budgets_cover:
        headings.append("cover budget £")
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("school", "phase") else "right")
    for row in sorted(tables.schools, key=lambda r: (-r.days_released, r.name, r.school_id)):
        released = str(row.days_released)
        if row.days_released >= row.release_budget > 0:
            released = f"[yellow]{released}[/]"  # at its budget: no more to give this round
        cells = [
            f"{row.name} ({row.school_id})",
            row.phase,
            released,
            str(row.release_budget),
            str(row.days_received),
            f"{row.give_minus_take:+d}",
            f"{row.cover_cost:,}",
        ]
        if tables.budgets_cover:
            cells.append(_cover_budget(row))
        table.add_row(*cells)
    return table


def _cover_budget(row: SchoolLoad) -> str:
    """The budget, yellow once the cover cost has reached it; blank for no cap."""
    if row.cover_budget is None:
        return ""
    budget = row.cover_budget
    said = f"{budget:,.0f}" if budget.is_integer() else f"{budget:,.2f}"
    return f"[yellow]{said}[/]" if row.cover_cost >= budget > 0 else said


def print_load(tables: LoadTables, console: Console) -> None:
    """Both tables, SLEs first (fewest days left first), then schools (most released first)."""
    if tables.sles:
        console.print(_sle_table(tables))
    else:
        console.print("No SLEs in this round.")
    console.print(_school_table(tables))
    total = sum(s.cover_cost for s in tables.schools)
    console.print(
        f"{sum(s.days_released for s in tables.schools)} staff-days released in all; "
        f"cover cost £{total:,}."
    )

"""The ``ocean`` command line: parses arguments, calls the runtime or the harbor, renders output.

Kept thin and light: command modules import only typer at module level and import everything
heavy inside the command body, so ``ocean --help`` starts instantly.
"""

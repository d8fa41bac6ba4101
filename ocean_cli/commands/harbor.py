"""``ocean harbor``: serves the local Port (API + catalog UI) in the foreground."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def harbor(
    db: Annotated[
        Path, typer.Option("--db", help="SQLite file of the catalog (created when missing).")
    ] = Path("harbor.db"),
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (127.0.0.1); 0 picks a free one.")
    ] = 5555,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Accepted client id (default: ocean).")
    ] = None,
    client_secret: Annotated[
        str | None, typer.Option("--client-secret", help="Accepted client secret (default: ocean).")
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option(
            "--faults",
            help="Inject faults: inline JSON or a JSON file (see ocean_harbor.faults). "
            "Default: $OCEAN_HARBOR_FAULTS.",
        ),
    ] = None,
) -> None:
    """Serve the local Port (API + catalog UI) on 127.0.0.1 until Ctrl-C."""
    import contextlib

    import uvicorn

    from ocean_cli.checks import check_file_path, check_tcp_port
    from ocean_cli.errors import fail
    from ocean_harbor import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
    from ocean_harbor.app import create_app
    from ocean_harbor.faults import FaultConfig, FaultConfigError
    from ocean_harbor.server import listening_socket, server_config

    check_tcp_port(port)
    check_file_path(db, "--db")
    client_id = client_id or DEFAULT_CLIENT_ID
    client_secret = client_secret or DEFAULT_CLIENT_SECRET
    try:
        fault_config = FaultConfig.load(faults) if faults else FaultConfig.from_env()
    except FaultConfigError as exc:
        raise fail(f"--faults: {exc}") from None
    try:
        sock = listening_socket(port)
    except OSError as exc:
        raise fail(
            f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another port."
        ) from None
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(db, client_id=client_id, client_secret=client_secret, faults=fault_config)
    _print_banner(url, db, client_id, client_secret, faulty=bool(fault_config and fault_config.rules))
    server = uvicorn.Server(server_config(app))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its graceful shutdown
        server.run(sockets=[sock])
    typer.echo("harbor stopped.")


def _print_banner(url: str, db: Path, client_id: str, client_secret: str, *, faulty: bool) -> None:
    typer.secho(f"⚓ harbor (local Port) listening on {url}", fg=typer.colors.GREEN, bold=True)
    typer.echo(f"  catalog:      {db.resolve()}")
    typer.echo(f"  credentials:  client id {client_id!r}, client secret {client_secret!r}")
    if faulty:
        typer.secho("  faults:       injecting faults (see --faults)", fg=typer.colors.YELLOW)
    typer.echo("\nPoint an integration at it:")
    typer.echo(
        f"  OCEAN__PORT__BASE_URL={url} OCEAN__PORT__CLIENT_ID={client_id} "
        f"OCEAN__PORT__CLIENT_SECRET={client_secret} ocean sail PATH"
    )
    typer.echo("\nPress Ctrl-C to stop.")

"""``ocean harbor``: serves the local Port (API + catalog UI) in the foreground."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ocean_harbor.latency import Latency
    from ocean_harbor.rate_limits import RateLimits


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
    latency: Annotated[
        float | None,
        typer.Option(
            "--latency",
            help="Answer every API request this many seconds late, as a Port across the internet "
            "would (e.g. 0.1). Default: $OCEAN_HARBOR_LATENCY, else 0.",
        ),
    ] = None,
    jitter: Annotated[
        float,
        typer.Option("--jitter", help="Vary each --latency delay by up to ± this many seconds."),
    ] = 0.0,
    rate_limits: Annotated[
        str | None,
        typer.Option(
            "--rate-limits",
            help="Enforce Port's rate limits: 'port' (its published limits per route family, 429 "
            "with Retry-After and x-ratelimit-* headers), or JSON overriding families "
            "(see ocean_harbor.rate_limits). Default: $OCEAN_HARBOR_RATE_LIMITS, else none.",
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
    from ocean_harbor.latency import Latency, LatencyError
    from ocean_harbor.rate_limits import RateLimitConfigError, RateLimits
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
        delay = Latency.parse(latency, jitter) if latency is not None else Latency.from_env()
    except LatencyError as exc:
        raise fail(f"--latency/--jitter: {exc}") from None
    try:
        limits = RateLimits.load(rate_limits) if rate_limits else RateLimits.from_env()
    except RateLimitConfigError as exc:
        raise fail(f"--rate-limits: {exc}") from None
    try:
        sock = listening_socket(port)
    except OSError as exc:
        raise fail(
            f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another port."
        ) from None
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(
        db,
        client_id=client_id,
        client_secret=client_secret,
        faults=fault_config,
        latency=delay,
        rate_limits=limits,
    )
    _print_banner(url, db, client_id, client_secret, faulty=bool(fault_config and fault_config.rules))
    _print_realism(delay, limits)
    typer.echo("\nPress Ctrl-C to stop.")
    server = uvicorn.Server(server_config(app))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its graceful shutdown
        server.run(sockets=[sock])
    typer.echo("harbor stopped.")


def _print_banner(url: str, db: Path, client_id: str, client_secret: str, *, faulty: bool) -> None:
    from ocean_harbor import DEFAULT_CLIENT_SECRET

    # The secret is shown once, in the hint, and only when it is the public default: a secret
    # of the user's own stays out of terminals and CI logs.
    public = client_secret == DEFAULT_CLIENT_SECRET
    typer.secho(f"⚓ harbor (local Port) listening on {url}", fg=typer.colors.GREEN, bold=True)
    typer.echo(f"  catalog:      {db.resolve()}")
    secret_note = "the public default" if public else "the one given with --client-secret (not shown)"
    typer.echo(f"  credentials:  client id {client_id!r}, client secret: {secret_note}")
    if faulty:
        typer.secho("  faults:       injecting faults (see --faults)", fg=typer.colors.YELLOW)
    typer.echo("\nPoint an integration at it:")
    shown_secret = client_secret if public else "'<your --client-secret>'"
    typer.echo(
        f"  OCEAN__PORT__BASE_URL={url} OCEAN__PORT__CLIENT_ID={client_id} "
        f"OCEAN__PORT__CLIENT_SECRET={shown_secret} ocean sail PATH"
    )


def _print_realism(latency: Latency | None, limits: RateLimits | None) -> None:
    if latency or limits is not None:
        typer.echo("\nActing as a far-away Port:")
    if latency:
        jitter = f" ± {latency.jitter:g} s" if latency.jitter else ""
        typer.echo(f"  latency:      every API answer {latency.seconds:g} s{jitter} late")
    if limits is not None:
        bulk = limits.families["bulkUpsert"]
        typer.echo(
            f"  rate limits:  Port's route families (bulk upsert {bulk.limit:,} per {bulk.period:g} s, "
            f"burst {bulk.burst:,}); 429 with Retry-After beyond them"
        )

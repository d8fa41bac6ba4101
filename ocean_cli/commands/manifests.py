"""``ocean manifests``: Kubernetes (kustomize) manifests for an integration, from its spec.yaml.

Every configuration of ``.port/spec.yaml`` becomes an environment variable: the sensitive ones
(and Port's credentials) from a Secret, the others from a ConfigMap with their defaults or the
values file's ``integration.config``. See ``ocean_cli.k8s_manifests`` for the tree it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def manifests(
    directory: Annotated[Path, typer.Argument(help="Integration folder (holding .port/spec.yaml).")] = Path(
        "."
    ),
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder to write into (default: DIRECTORY/deploy).")
    ] = None,
    image: Annotated[
        str | None, typer.Option("--image", help="Container image (default: <type>:<version>).")
    ] = None,
    values: Annotated[
        Path | None,
        typer.Option(
            "--values",
            "-f",
            help="YAML values, named as the port-ocean Helm chart's (integration.identifier, "
            "integration.config, scheduledResyncInterval, resources, …).",
        ),
    ] = None,
) -> None:
    """Write kustomize manifests (Deployment, CronJob, Kafka replicas, Argo CD) for DIRECTORY."""
    from ocean_cli.deploy_values import load_values
    from ocean_cli.errors import fail, user_errors
    from ocean_cli.k8s_manifests import write_tree

    if values is not None and not values.is_file():
        raise fail(f"--values {values}: no such file")
    target = out if out is not None else directory / "deploy"
    with user_errors():
        deploy = load_values(directory, values, image=image)
        written = write_tree(deploy, target)
    typer.echo(f"Wrote {len(written)} files for {deploy.name} ({deploy.image}) into {target}")
    typer.echo(
        f"  kubectl kustomize {target / 'overlays' / 'listener'}   # render; apply with kubectl apply -k"
    )
    missing = [
        c.name for c in deploy.plain if c.required and c.default is None and c.name not in deploy.config
    ]
    if missing:
        typer.secho(
            f"  set integration.config.{', '.join(missing)} in a --values file "
            "(the ConfigMap holds placeholders)",
            fg=typer.colors.YELLOW,
        )

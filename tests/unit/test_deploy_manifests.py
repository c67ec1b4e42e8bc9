"""deploy/ without Docker: every manifest parses, every Deployment is probed and its ports
match its Service, every REDRESS_* variable the manifests set is one a service reads, and
the compose file runs every service on its own database; and the production files are safe
as they stand (development-only services and flags only in the dev overlay, its ports on
127.0.0.1, /metrics behind a token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.config_reference import ROOT, known_variables, sections

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = {
    "complaints",
    "complaints-projection",
    "adr-gateway",
    "notifications",
    "sandbox-provider",
}
STATELESS = {"complaints", "adr-gateway", "notifications"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def k8s_objects(kind: str | None = None) -> Iterator[dict[str, Any]]:
    for path in sorted(K8S.glob("*.yaml")):
        for document in documents(path):
            if document["kind"] == "Kustomization":
                continue
            if kind is None or document["kind"] == kind:
                yield document


#: Only for development and demos: in compose.dev.yaml, never in compose.yaml.
DEVELOPMENT_ONLY = {"sandbox-provider", "mail-catcher"}
#: The APIs, the only ports production publishes beyond the host.
PUBLISHED = {"complaints": 8001, "adr-gateway": 8002, "notifications": 8003}


def production_compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


def development_overlay() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.dev.yaml").read_text())  # type: ignore[no-any-return]


def merged(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """What `docker compose -f base -f overlay` runs: mappings merged, the rest replaced."""
    result = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The development set-up: compose.yaml with compose.dev.yaml on top."""
    return merged(production_compose(), development_overlay())


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return workload["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path",
    sorted([*K8S.glob("*.yaml"), DEPLOY / "compose.yaml", DEPLOY / "compose.dev.yaml"]),
    ids=lambda p: p.name,
)
def test_every_manifest_parses(path: Path) -> None:
    parsed = documents(path)
    assert parsed
    if path.parent == K8S and path.name != "kustomization.yaml":
        for document in parsed:
            assert {"apiVersion", "kind", "metadata"} <= set(document), path.name
            if document["kind"] != "Namespace":
                assert document["metadata"]["namespace"] == "redress", path.name


def test_kustomization_names_files_that_exist() -> None:
    (kustomization,) = documents(K8S / "kustomization.yaml")
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource


def test_every_service_has_a_probed_deployment_whose_ports_match_its_service() -> None:
    deployments = {d["metadata"]["name"]: d for d in k8s_objects("Deployment")}
    services = {s["metadata"]["name"]: s for s in k8s_objects("Service")}
    assert set(deployments) == SERVICES
    assert set(services) == SERVICES
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = services[name]["spec"]["selector"]
        assert selector.items() <= labels.items(), name
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for port in services[name]["spec"]["ports"]:
            target = port["targetPort"]
            assert target in ports or target in ports.values(), (name, target)
            assert ports.get(target, target) == port["port"], name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in (*ports, *ports.values()), name
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), name
        assert {"cpu", "memory"} <= set(resources["limits"]), name
        assert container["args"][:2] == ["serve", name.replace("-", "_")], name
        assert str(ports["http"]) in container["args"], name
        expected = 2 if name in STATELESS else 1
        assert deployment["spec"]["replicas"] == expected, name
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]


def test_the_migration_job_migrates_every_service_with_its_own_database() -> None:
    (job,) = k8s_objects("Job")
    migrated = {}
    for container in containers(job):
        assert container["args"][0] == "migrate"
        (source,) = container["envFrom"]
        migrated[container["args"][1]] = source["secretRef"]["name"]
    assert migrated == {
        "complaints": "redress-complaints",
        "adr_gateway": "redress-adr-gateway",
        "notifications": "redress-notifications",
    }
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")


def test_deployments_read_their_configmap_and_secret() -> None:
    configmaps = {c["metadata"]["name"] for c in k8s_objects("ConfigMap")}
    secrets = {s["metadata"]["name"] for s in k8s_objects("Secret")}
    for deployment in k8s_objects("Deployment"):
        for source in containers(deployment)[0].get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in configmaps
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets


def referenced_variables() -> Iterator[tuple[str, str, str]]:
    """(where, service, variable) for every variable the manifests set; service is the
    `redress serve` name whose settings must read it ("*": any service, e.g. migrations)."""
    for obj in k8s_objects():
        name = obj["metadata"]["name"]
        where, service = f"{obj['kind']}/{name}", name.removeprefix("redress-").replace("-", "_")
        for key in (obj.get("data") or {}) | (obj.get("stringData") or {}):
            yield where, service, key
        if obj["kind"] in ("Deployment", "Job"):
            for container in containers(obj):
                for variable in container.get("env", []):
                    yield where, "*" if obj["kind"] == "Job" else service, variable["name"]
    compose = merged(production_compose(), development_overlay())
    for name, definition in compose["services"].items():
        service = "*" if name == "migrate" else name.replace("-", "_")
        for key in definition.get("environment") or {}:
            yield f"compose/{name}", service, key
        command = definition.get("command") or []
        for text in command if isinstance(command, list) else [command]:
            for variable in re.findall(r"\b(REDRESS_[A-Z0-9_]+)=", str(text)):
                yield f"compose/{name}", service, variable


def test_every_redress_variable_set_is_one_its_service_reads() -> None:
    reads = {s.service: s.variables for s in sections()}
    reads["*"] = known_variables()
    checked = 0
    unknown = []
    for where, service, variable in referenced_variables():
        if not variable.startswith("REDRESS_") or where.startswith("compose/postgres"):
            continue
        checked += 1
        if variable not in reads[service]:
            unknown.append(f"{where}: {variable} (not read by {service})")
    assert not unknown, unknown
    assert checked > 50


def test_compose_runs_every_service_on_its_own_database(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= SERVICES
    assert "postgres" in services and "migrate" in services
    urls = {
        name: services[name]["environment"]["REDRESS_DATABASE_URL"]
        for name in ("complaints", "adr-gateway", "notifications")
    }
    databases = {name: url.rsplit("/", 1)[1] for name, url in urls.items()}
    assert len(set(databases.values())) == 3, databases
    init = (DEPLOY / "postgres" / "init-databases.sql").read_text()
    for database in databases.values():
        assert f"CREATE DATABASE {database};" in init
        assert database in services["migrate"]["command"][0]
    mounts = services["postgres"]["volumes"]
    assert any("init-databases.sql:/docker-entrypoint-initdb.d/" in m for m in mounts)


def test_compose_services_are_healthchecked_and_wait_for_the_migration(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in SERVICES:
        service = services[name]
        check = " ".join(service["healthcheck"]["test"])
        assert "/healthz" in check, name
        port = service["command"][service["command"].index("--port") + 1]
        assert f":{port}/healthz" in check, name
        assert any(p.endswith(f":{port}") for p in service["ports"]), name
        assert service["command"][:2] == ["serve", name.replace("-", "_")], name
    for name in STATELESS:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert services[name]["environment"]["REDRESS_MIGRATE_ON_START"] == "false"
    assert services["migrate"]["restart"] == "no"


def test_the_dockerfile_installs_the_package_and_runs_as_a_non_root_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"pip install \.", dockerfile)
    user = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0"))
    assert 'ENTRYPOINT ["redress"]' in dockerfile
    assert 'CMD ["serve",' in dockerfile


def production_k8s_objects() -> Iterator[dict[str, Any]]:
    """What `kubectl apply -k deploy/k8s` applies (the sandbox's file is left out of it)."""
    (kustomization,) = documents(K8S / "kustomization.yaml")
    for resource in kustomization["resources"]:
        yield from documents(K8S / resource)


def test_production_compose_has_no_development_service_or_flag() -> None:
    services = production_compose()["services"]
    assert not DEVELOPMENT_ONLY & set(services)
    for name, service in services.items():
        assert "REDRESS_DEVELOPMENT" not in (service.get("environment") or {}), name
        assert "mail-catcher" not in str(service.get("environment")), name


def test_production_kubernetes_has_no_development_service_or_flag() -> None:
    applied = list(production_k8s_objects())
    assert applied
    for obj in applied:
        text = yaml.safe_dump(obj)
        assert "REDRESS_DEVELOPMENT" not in text, obj["metadata"]["name"]
        assert "sandbox_provider" not in text and "mail_catcher" not in text


def test_production_publishes_only_the_apis_and_the_rest_on_loopback() -> None:
    for name, service in production_compose()["services"].items():
        for published in service.get("ports", []):
            if name in PUBLISHED and published == f"{PUBLISHED[name]}:{PUBLISHED[name]}":
                continue
            assert published.startswith("127.0.0.1:"), (name, published)


def test_the_development_overlay_publishes_on_loopback_only() -> None:
    overlay = development_overlay()["services"]
    assert set(overlay) >= DEVELOPMENT_ONLY
    for name, service in overlay.items():
        for published in service.get("ports", []):
            assert published.startswith("127.0.0.1:"), (name, published)
    # The gateway's development mode (plain-http delivery to the sandbox) lives here only.
    assert overlay["adr-gateway"]["environment"]["REDRESS_DEVELOPMENT"] == "true"


def test_metrics_need_a_token_in_production() -> None:
    """docs/operations.md, "/metrics": every service's scrape is authenticated."""
    services = production_compose()["services"]
    for name in ("complaints", "complaints-projection", "adr-gateway", "notifications"):
        token = services[name]["environment"]["REDRESS_METRICS_TOKEN"]
        assert token.startswith("${METRICS_TOKEN:?"), name  # compose refuses to start without
    secrets = {s["metadata"]["name"]: s["stringData"] for s in k8s_objects("Secret")}
    for deployment in production_k8s_objects():
        if deployment["kind"] != "Deployment":
            continue
        (container,) = containers(deployment)
        read = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
        assert any("REDRESS_METRICS_TOKEN" in secrets[name] for name in read), read

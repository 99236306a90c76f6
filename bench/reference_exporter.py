#!/usr/bin/env python3
"""The reference for bench/run: the exporter written the way most people would, in Python with
prometheus_client.

It loads the series once at start-up (from a /metrics body saved from the Swift exporter, so
names, labels, values and types are the same) and, like a typical custom Collector, builds the
metric families again on every scrape; prometheus_client's own server renders them (and
gzips when asked). A registry of its own keeps Python's process/gc/platform series out, so both
servers serve the same series.

usage: reference_exporter.py BODY_FILE [PORT]   (PORT 0, the default, picks a free port;
                                                the port is printed on the first line)
"""
import sys

from prometheus_client import start_http_server
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families


def load(path: str) -> list:
    """(name, type, help, label names, [(sample name, labels, value)]) per family."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    families = []
    for family in text_string_to_metric_families(text):
        samples = [(s.name, dict(s.labels), s.value) for s in family.samples]
        label_names = list(samples[0][1]) if samples else []
        families.append((family.name, family.type, family.documentation, label_names, samples))
    return families


class PaygoCollector:
    """Rebuilds every family from the loaded data on each scrape."""

    def __init__(self, families: list) -> None:
        self.families = families

    def collect(self):
        for name, kind, documentation, label_names, samples in self.families:
            uniform = all(list(labels) == label_names for _, labels, _ in samples)
            if kind == "gauge" and uniform:
                family = GaugeMetricFamily(name, documentation, labels=label_names)
                for _, labels, value in samples:
                    family.add_metric([labels[key] for key in label_names], value)
            elif kind == "counter" and uniform and all(s.endswith("_total") for s, _, _ in samples):
                family = CounterMetricFamily(name, documentation, labels=label_names)
                for _, labels, value in samples:
                    family.add_metric([labels[key] for key in label_names], value)
            else:
                family = Metric(name, documentation, kind)
                for sample_name, labels, value in samples:
                    family.add_sample(sample_name, labels, value)
            yield family


def main() -> None:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PaygoCollector(load(sys.argv[1])))
    server, thread = start_http_server(int(sys.argv[2]) if len(sys.argv) > 2 else 0, addr="127.0.0.1", registry=registry)
    print(server.server_port, flush=True)
    thread.join()


if __name__ == "__main__":
    main()

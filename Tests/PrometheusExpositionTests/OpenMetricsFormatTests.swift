import PrometheusExposition
import Testing

@Suite struct OpenMetricsFormatTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func countersDropTotalFromTheFamilyName() {
        let descriptor = MetricDescriptor(name: "requests_total", help: "Requests.", type: .counter)
        let body = ExpositionFormat.openMetrics.encode([
            MetricFamily(descriptor, samples: [Sample(labels: [Label("code", "200")], value: 3)])
        ])
        #expect(
            text(body) == """
                # TYPE requests counter
                # HELP requests Requests.
                requests_total{code="200"} 3
                # EOF

                """)
    }

    @Test func unitsAndInfoFamilies() {
        let duration = MetricDescriptor(name: "refresh_duration_seconds", help: "Time.", type: .gauge, unit: "seconds")
        let info = MetricDescriptor(name: "build_info", help: "Build.", type: .info)
        let body = ExpositionFormat.openMetrics.encode([
            MetricFamily(info, samples: [Sample(labels: [Label("version", "1")], value: 1)]),
            MetricFamily(duration, samples: [Sample(labels: [], value: 0.5)]),
        ])
        #expect(
            text(body) == """
                # TYPE build info
                # HELP build Build.
                build_info{version="1"} 1
                # TYPE refresh_duration_seconds gauge
                # UNIT refresh_duration_seconds seconds
                # HELP refresh_duration_seconds Time.
                refresh_duration_seconds 0.5
                # EOF

                """)
    }

    @Test func textFormatWritesInfoAsGaugeWithoutUnitOrEOF() {
        let info = MetricDescriptor(name: "build_info", help: "Build.", type: .info)
        let seconds = MetricDescriptor(name: "age_seconds", help: "Age.", type: .gauge, unit: "seconds")
        let body = ExpositionFormat.prometheusText.encode([MetricFamily(info), MetricFamily(seconds)])
        #expect(text(body) == "# HELP age_seconds Age.\n# TYPE age_seconds gauge\n# HELP build_info Build.\n# TYPE build_info gauge\n")
    }

    @Test func helpEscapesQuotesInOpenMetricsOnly() {
        let descriptor = MetricDescriptor(name: "m", help: #"say "hi" \ now"#, type: .gauge)
        var openMetrics: [UInt8] = []
        ExpositionFormat.openMetrics.appendHeader(descriptor, to: &openMetrics)
        #expect(text(openMetrics).contains(#"# HELP m say \"hi\" \\ now"#))
        var prometheus: [UInt8] = []
        ExpositionFormat.prometheusText.appendHeader(descriptor, to: &prometheus)
        #expect(text(prometheus).contains(#"# HELP m say "hi" \\ now"#))
    }

    @Test func samplesMayCarryTimestampsInSeconds() {
        var output: [UInt8] = []
        TextFormat.appendSample(name: "cost", labels: [], value: 0.75, timestamp: 1_738_368_000, to: &output)
        TextFormat.appendSample(name: "cost", labels: [], value: 1, timestamp: 1_738_368_000.5, to: &output)
        #expect(text(output) == "cost 0.75 1738368000\ncost 1 1738368000.5\n")
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}

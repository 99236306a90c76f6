import PrometheusExposition
import Testing

@Suite struct TextFormatTests {
    private func line(_ labels: [Label], _ value: Double) -> String {
        var output: [UInt8] = []
        TextFormat.appendSample(name: "m", labels: labels, value: value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func labelValueEscapesBackslashQuoteAndNewline() {
        #expect(line([Label("l", #"a\b"#)], 1) == #"m{l="a\\b"} 1"# + "\n")
        #expect(line([Label("l", #"say "hi""#)], 1) == #"m{l="say \"hi\""} 1"# + "\n")
        #expect(line([Label("l", "two\nlines")], 1) == #"m{l="two\nlines"} 1"# + "\n")
        #expect(line([Label("l", #"\n"#)], 1) == #"m{l="\\n"} 1"# + "\n")
    }

    @Test func labelValueKeepsUnicodeAndOtherBytes() {
        #expect(line([Label("l", "Würker ☁️ 東京\ttab")], 1) == "m{l=\"Würker ☁️ 東京\ttab\"} 1\n")
        #expect(line([Label("l", "")], 1) == "m{l=\"\"} 1\n")
    }

    @Test func severalLabelsInGivenOrderAndNoBracesWithoutLabels() {
        #expect(line([Label("b", "1"), Label("a", "2")], 3) == "m{b=\"1\",a=\"2\"} 3\n")
        #expect(line([], 3) == "m 3\n")
    }

    @Test func helpEscapesBackslashAndNewlineButNotQuotes() {
        var output: [UInt8] = []
        ExpositionFormat.prometheusText.appendHeader(
            MetricDescriptor(name: "m_total", help: "a \"quoted\" \\ path\nnext", type: .counter), to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "# HELP m_total a \"quoted\" \\\\ path\\nnext\n# TYPE m_total counter\n")
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1, "1"), (-3, "-3"), (150_000, "150000"), (4_500_000, "4500000"),
        (1e12, "1000000000000"), (0.75, "0.75"), (2.25, "2.25"), (1e-9, "1e-09"), (0.1 + 0.2, "0.30000000000000004"),
        (123_456_789.123_456_78, "123456789.12345678"), (9_007_199_254_740_992, "9007199254740992"), (1e16, "1e+16"),
        (1.5e300, "1.5e+300"), (-2.5e-7, "-2.5e-07"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func valuesAreSpelledAsTheSpecSays(value: Double, expected: String) {
        #expect(TextFormat.formatValue(value) == expected)
    }

    @Test func formattedValuesReadBackToTheSameDouble() {
        for value in [0.1, 1.0 / 3, 1e-9, 6.02214076e23, 2.2250738585072014e-308, 12_345.678_9, -0.000_000_123] {
            #expect(Double(TextFormat.formatValue(value)) == value)
        }
    }

    @Test func encodeSortsFamiliesAndSamplesAndWritesHeadersOnce() {
        let gauge = MetricDescriptor(name: "b_gauge", help: "B.", type: .gauge)
        let counter = MetricDescriptor(name: "a_total", help: "A.", type: .counter)
        let body = ExpositionFormat.prometheusText.encode([
            MetricFamily(
                gauge,
                samples: [
                    Sample(labels: [Label("k", "z")], value: 1), Sample(labels: [Label("k", "a")], value: 2),
                ]),
            MetricFamily(counter, samples: [Sample(labels: [], value: 5)]),
        ])
        #expect(
            String(decoding: body, as: UTF8.self) == """
                # HELP a_total A.
                # TYPE a_total counter
                a_total 5
                # HELP b_gauge B.
                # TYPE b_gauge gauge
                b_gauge{k="a"} 2
                b_gauge{k="z"} 1

                """)
    }

    @Test func sampleOrderIsByteOrderOfLabelValues() {
        let samples = ["b", "B", "ä", "a b", "a"].map { Sample(labels: [Label("k", $0)], value: 0) }
        #expect(TextFormat.sortedSamples(samples).map { $0.labels[0].value } == ["B", "a", "a b", "b", "ä"])
    }

    @Test func nameRules() {
        #expect(MetricNameRules.isValidMetricName("cloudflare_paygo_up"))
        #expect(MetricNameRules.isValidMetricName("job:rate:5m"))
        #expect(!MetricNameRules.isValidMetricName("0abc"))
        #expect(!MetricNameRules.isValidMetricName("a-b"))
        #expect(!MetricNameRules.isValidMetricName(""))
        #expect(MetricNameRules.isValidLabelName("account_id"))
        #expect(!MetricNameRules.isValidLabelName("__name__"))
        #expect(!MetricNameRules.isValidLabelName("a:b"))
    }

    @Test func contentTypeIsVersion004() {
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}

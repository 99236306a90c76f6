/// The landing pages' one stylesheet, inline so the page needs no second request: colours as
/// variables, swapped for a dark scheme by `prefers-color-scheme`, and a layout that reflows to
/// a phone's width (wide tables scroll sideways inside their box rather than the page).
enum LandingPageStyle {
    static let css = """
        :root { --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #f6f8fa; --link: #0969da;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --spent: #0969da; --forecast: #9ecbff; --track: #e6eaef; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23; --link: #4493f8;
            --ok: #3fb950; --warn: #d29922; --bad: #f85149; --spent: #4493f8; --forecast: #1f4a80; --track: #262c36; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
        header, main { max-width: 72rem; margin: 0 auto; padding: 0.75rem 1rem; }
        header { border-bottom: 1px solid var(--line); }
        header p { margin: 0.2rem 0; }
        .brand { font-weight: 600; font-size: 1.1rem; }
        a { color: var(--link); }
        h1 { font-size: 1.5rem; margin: 0.6rem 0; overflow-wrap: anywhere; }
        h2 { font-size: 1.2rem; margin: 1.4rem 0 0.5rem; }
        h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
        .muted, .id { color: var(--muted); }
        .demo { background: var(--card); border-left: 4px solid var(--warn); padding: 0.3rem 0.6rem; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
        th { font-weight: 600; white-space: nowrap; }
        .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .state { display: inline-block; padding: 0 0.45rem; border-radius: 1rem; border: 1px solid currentColor; font-size: 0.85em; white-space: nowrap; }
        .state.up { color: var(--ok); } .state.down { color: var(--bad); } .state.pending { color: var(--warn); }
        .state.not-covered { color: var(--muted); }
        .error { color: var(--bad); font-size: 0.85em; overflow-wrap: anywhere; }
        .level.over { color: var(--bad); } .level.warn { color: var(--warn); }
        .sort, .pages { margin: 0.5rem 0; }
        .currency { border: 1px solid var(--line); border-radius: 6px; padding: 0 1rem 1rem; margin: 1rem 0; }
        .figures { display: flex; flex-wrap: wrap; gap: 0.75rem; }
        .figure { flex: 1 1 12rem; background: var(--card); border-radius: 6px; padding: 0.5rem 0.75rem; }
        .figure .caption, .figure .sub { display: block; color: var(--muted); font-size: 0.85em; }
        .figure .value { display: block; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
        .budget-bar { margin: 0.75rem 0 0; }
        svg.bar { display: block; width: 100%; height: 0.9rem; border-radius: 3px; }
        .bar .track { fill: var(--track); } .bar .forecast { fill: var(--forecast); } .bar .spent { fill: var(--spent); }
        .bar .budget { fill: var(--fg); }
        .bar.warn .spent { fill: var(--warn); } .bar.over .spent { fill: var(--bad); }
        .budget-bar.warn .key.spent { background: var(--warn); } .budget-bar.over .key.spent { background: var(--bad); }
        .legend { color: var(--muted); font-size: 0.85em; margin: 0.3rem 0 0; }
        time { white-space: nowrap; }
        .key { display: inline-block; width: 0.8em; height: 0.8em; margin: 0 0.25em 0 0.6em; vertical-align: -0.05em; }
        .key.spent { background: var(--spent); } .key.forecast { background: var(--forecast); } .key.budget { background: var(--fg); width: 0.2em; }
        svg.chart { display: block; width: 100%; max-width: 40rem; height: auto; }
        .chart .axis { stroke: var(--line); stroke-width: 1; }
        .chart .area { fill: var(--forecast); opacity: 0.5; }
        .chart .line { fill: none; stroke: var(--spent); stroke-width: 1.5; }
        .chart .dot { fill: var(--spent); } .chart .dot.partial { fill: var(--bg); stroke: var(--spent); }
        .chart .label { fill: var(--muted); font-size: 9px; font-family: system-ui, sans-serif; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
        dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
        @media (max-width: 40rem) {
          body { font-size: 14px; } header, main { padding: 0.5rem 0.6rem; }
          dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.4rem; }
        }

        """
}

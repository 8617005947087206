import Foundation
import XCTest

/// `hyperlearn report`: a self-contained page whose hostile labels stay plain text, rendered in
/// headless Chromium with every figure drawn.
final class CLIReportTests: XCTestCase {
    static let hostile = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"]

    /// The tiny fixture with item labels, two of them hostile, trained and reported; returns the page.
    func report() throws -> (folder: URL, page: URL) {
        let folder = try CLI.temporaryFolder(self), tiny = try CLI.tinyCopy(self)
        var labels = (0..<16).map { "i\($0)\tItem \($0)\n" }
        labels[1] = "i1\t\(Self.hostile[0])\n"
        // A field that starts with a quote is a quoted field: its quote is written twice inside quotes.
        labels[2] = "i2\t\"\(Self.hostile[1].replacingOccurrences(of: "\"", with: "\"\""))\"\n"
        try labels.joined().write(to: tiny.appendingPathComponent("items.tsv"), atomically: true, encoding: .utf8)
        try String.edit(tiny.appendingPathComponent("manifest.yaml"), replacing: "  item:\n", with: "  item:\n    labels: {file: items.tsv}\n")
        let run = folder.appendingPathComponent("run")
        let trained = try CLI.run(CLI.trainArguments(tiny.appendingPathComponent("manifest.yaml"), out: run))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let result = try CLI.run(["report", run.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = run.appendingPathComponent("report.html")
        XCTAssertEqual(result.stdout, page.path + "\n")
        return (folder, page)
    }

    func testTheReportEscapesEveryLabelAndFetchesNothing() throws {
        let (_, page) = try report()
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        for tag in ["<script", "<img", "<iframe", "<link", "<object", "href=", "url("] {
            XCTAssertFalse(html.lowercased().contains(tag), "the page holds '\(tag)'")
        }
        // Every section is there: the curve, a map per modality, neighbour tables, the configuration.
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 4, "training curve + three maps")
        for text in ["<h2>Dataset</h2>", "<h2>Metrics</h2>", "<h2>Training</h2>", "<h2>Embeddings</h2>", "nearest to", "<h2>Configuration</h2>", "dimensions: 8"] {
            XCTAssertTrue(html.contains(text), text)
        }
    }

    func testHeadlessChromiumDrawsEveryFigureWithoutConsoleErrors() throws {
        guard let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(CLIShardingTests.which).first else {
            throw XCTSkip("no Chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)")
        }
        guard let python = CLIShardingTests.which("python3") else { throw XCTSkip("no python3 to decode the screenshot") }
        let (folder, page) = try report()
        let browser = URL(fileURLWithPath: chromium)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--enable-logging=stderr", "--v=0"]
        // A copy with a probe appended after everything: it records each figure's box, the page's height,
        // the resources fetched and the elements that only unescaped labels would create.
        let probe = """
            <pre id="probe">PROBE<script>
            const boxes = [...document.querySelectorAll('figure svg')].map(s => { const r = s.getBoundingClientRect();
              return [Math.round(r.left), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)]; });
            document.getElementById('probe').textContent = 'PROBE' + JSON.stringify({ boxes,
              height: document.documentElement.scrollHeight, fetched: performance.getEntriesByType('resource').length,
              images: document.querySelectorAll('img').length, scripts: document.querySelectorAll('script').length }) + 'END';
            </script></pre>
            """
        let probed = folder.appendingPathComponent("probed.html")
        try String(contentsOf: page, encoding: .utf8).replacingOccurrences(of: "</body>", with: probe + "</body>")
            .write(to: probed, atomically: true, encoding: .utf8)
        let dom = try CLI.run(flags + ["--window-size=1200,1000", "--dump-dom", probed.absoluteString], executable: browser)
        XCTAssertEqual(dom.status, 0, dom.stderr)
        let text = dom.stdout
        guard let start = text.range(of: "PROBE{"), let end = text.range(of: "}END", range: start.upperBound..<text.endIndex) else {
            return XCTFail("the probe did not run: \(text.suffix(500))")
        }
        let json = String(text[text.index(before: start.upperBound)..<text.index(after: end.lowerBound)])
            .replacingOccurrences(of: "&quot;", with: "\"")
        let facts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(facts["fetched"] as? Int, 0, "the page fetched something")
        XCTAssertEqual(facts["images"] as? Int, 0, "a label became an element")
        XCTAssertEqual(facts["scripts"] as? Int, 1, "only the probe runs")
        // The hostile labels are text in the rendered document.
        XCTAssertTrue(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the script label is not plain text")
        let boxes = try XCTUnwrap(facts["boxes"] as? [[Int]])
        XCTAssertEqual(boxes.count, 4)
        let height = min(try XCTUnwrap(facts["height"] as? Int) + 20, 16_000)

        let screenshot = folder.appendingPathComponent("report.png")
        let shot = try CLI.run(flags + ["--window-size=1200,\(height)", "--screenshot=\(screenshot.path)", page.absoluteString], executable: browser)
        XCTAssertEqual(shot.status, 0, shot.stderr)
        for line in shot.stderr.split(separator: "\n") where line.contains("CONSOLE") || line.contains("Uncaught") || line.contains("Failed to load") {
            XCTFail("console: \(line)")
        }
        // The share of non-white pixels inside each figure's box, from the PNG (decoded with Python's zlib).
        let decode = """
            import json, struct, sys, zlib
            data = open(sys.argv[1], 'rb').read(); boxes = json.loads(sys.argv[2]); pos = 8; chunks = b''
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
                if kind == b'IHDR': w, h, depth, color = struct.unpack('>IIBB', body[:10])
                if kind == b'IDAT': chunks += body
            raw = zlib.decompress(chunks); bpp = {2: 3, 6: 4}[color]; stride = w * bpp; rows = []; prev = bytearray(stride)
            for y in range(h):
                f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                    if f == 1: line[i] = (line[i] + a) & 255
                    elif f == 2: line[i] = (line[i] + b) & 255
                    elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                rows.append(line); prev = line
            out = []
            for x, y, bw, bh in boxes:
                ink = sum(1 for yy in range(y, min(y + bh, h)) for xx in range(x, min(x + bw, w))
                          if min(rows[yy][xx * bpp:xx * bpp + 3]) < 200)
                out.append(ink / max(1, bw * bh))
            print(json.dumps({'size': [w, h], 'ink': out}))
            """
        let decoded = try CLI.run(["-c", decode, screenshot.path, "\(boxes)"], executable: URL(fileURLWithPath: python))
        XCTAssertEqual(decoded.status, 0, decoded.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(decoded.stdout.utf8)) as? [String: Any])
        let ink = try XCTUnwrap(result["ink"] as? [Double])
        XCTAssertEqual(ink.count, 4)
        for (figure, share) in ink.enumerated() {
            XCTAssertGreaterThan(share, 0.002, "figure \(figure) is blank (\(share) of its pixels drawn)")
            XCTAssertLessThan(share, 0.9, "figure \(figure) is a solid block")
        }
    }
}

import Testing

@testable import LaminaBench

/// Kernel overlayfs takes a 100-layer stack only if the bench's paths are short: its options (the
/// links to every layer under the run directory, and the upper and work directories) are copied
/// into one page. Named "lamina-bench-PID-RANDOM", the run directory made them 4.2 KB, and the
/// kernel's 100-layer mounts failed with EINVAL.
@Suite struct RunDirectoryTests {
    @Test("the options of a 100-layer kernel mount, with container start's extra layer, fit in one page")
    func hundredLayersFit() {
        // The longest names: pid_max's largest pid, the largest random part, a high mount count.
        let run = Benchmark.runDirectory(in: "/tmp", pid: 4_194_304, random: .max)
        let lowers = [run + "/busybox-layer"] + (0..<100).map { "\(run)/s9/\($0)" }
        let scratch = run + "/m9999"
        let options = OverlayMounter.layerOptions(lowers: lowers, upper: scratch + "/upper", work: scratch + "/work")
        #expect(options.utf8.count < OverlayMounter.kernelOptionLimit, "\(options.utf8.count) bytes")
    }
}

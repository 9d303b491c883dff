#if canImport(Glibc)
import Glibc
#endif

// signet-fuzz TARGET [libFuzzer options] [CORPUS...]: one binary for every parser, so one
// sanitized link serves them all. `signet-fuzz list` names the targets; `signet-fuzz seeds
// DIR` writes the seeds that need Signet's own code to make (signed JWTs).

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// Fixtures made before fuzzing live as long as the process. LeakSanitizer cannot follow a
// pointer that Swift keeps in an enum payload with its tag in the spare bits, so it would
// report them at exit; what is allocated while it is disabled is never reported.
@_silgen_name("__lsan_disable") private func disableLeakChecks()
@_silgen_name("__lsan_enable") private func enableLeakChecks()

/// Chosen once, before libFuzzer starts; read by every call of the callback.
nonisolated(unsafe) private var selected: FuzzTarget?

/// libFuzzer's link needs this symbol even though the driver is handed the callback.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected?.run(bytes)
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: signet-fuzz TARGET [libFuzzer options] [CORPUS...]; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
    exit(2)
}
switch arguments[1] {
case "list":
    for target in FuzzTarget.allCases { print(target.rawValue) }
    exit(0)
case "seeds":
    guard arguments.count == 3 else { print("usage: signet-fuzz seeds DIR"); exit(2) }
    do { try GeneratedSeeds.write(under: arguments[2]) } catch { print("signet-fuzz: \(error)"); exit(1) }
    exit(0)
default:
    guard let target = FuzzTarget(rawValue: arguments[1]) else {
        print("signet-fuzz: no target '\(arguments[1])'; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
        exit(2)
    }
    disableLeakChecks()
    target.prepare()
    enableLeakChecks()
    selected = target
}

// libFuzzer sees the program name and its own options: the target name is taken out.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var cStrings: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
var argc = CInt(driverArguments.count)
exit(cStrings.withUnsafeMutableBufferPointer { buffer in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return runDriver(&argc, &argv, fuzzOneInput)
})

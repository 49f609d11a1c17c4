import AEPG
import ArgumentParser
import Dispatch
import Foundation
import Logging

/// `aepg worker`: run jobs from aepg.jobs until stopped.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run train and score jobs from aepg.jobs (SELECT aepg.enqueue('train', 'fraud')) until stopped.",
        discussion: "SIGTERM or SIGINT: each thread finishes the job it is running, then the worker exits.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Jobs run at once (threads, each with its own connection).") var concurrency = 1
    @Option(name: .customLong("poll-seconds"), help: "Longest wait between queue checks when no NOTIFY arrives.") var pollSeconds = 5.0
    @Flag(name: .customLong("exit-when-idle"), help: "Exit once no job is queued.") var exitWhenIdle = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() throws {
        let stop = StopFlag()
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.set() }
            source.resume()
            sources.append(source)
        }
        let worker = AEPG.Worker(conninfo: connection.conninfo, concurrency: concurrency, pollSeconds: pollSeconds,
                                 exitWhenIdle: exitWhenIdle, logger: Logger(label: "aepg"))
        let ran = try worker.run(until: stop)
        print("worker ran \(ran) job(s)")
        withExtendedLifetime(sources) {}
    }
}

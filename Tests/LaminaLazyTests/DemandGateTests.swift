import Foundation
import Synchronization
import Testing

@testable import LaminaLazy

/// The background fetch never runs a request while a reader's fetch is in flight.
struct DemandGateTests {
    @Test func backgroundWaitsForAReaderInFlight() throws {
        let readerMayFinish = DispatchSemaphore(value: 0)
        let readerStarted = DispatchSemaphore(value: 0)
        let readerFinished = Atomic<Bool>(false)
        let backgroundSawReaderFinished = Mutex<Bool?>(nil)
        let reader = Thread {
            try? DemandGate.fetch { () throws(LazyError) in
                readerStarted.signal()
                readerMayFinish.wait()
                readerFinished.store(true, ordering: .sequentiallyConsistent)
            }
        }
        reader.start()
        readerStarted.wait()
        let background = Thread {
            DemandGate.$isBackground.withValue(true) {
                DemandGate.waitForQuiet()
                backgroundSawReaderFinished.withLock { $0 = readerFinished.load(ordering: .sequentiallyConsistent) }
            }
        }
        background.start()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(backgroundSawReaderFinished.withLock { $0 } == nil, "the background fetch went ahead of a reader")
        readerMayFinish.signal()
        for _ in 0..<200 where backgroundSawReaderFinished.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.05) }
        #expect(backgroundSawReaderFinished.withLock { $0 } == true)
    }
}

import Testing
@testable import LaminaBench

@Test func LaminaBenchModuleLoads() {
    #expect(Bool(true))
}

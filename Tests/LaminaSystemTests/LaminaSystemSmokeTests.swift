import Testing
@testable import LaminaSystem

@Test func LaminaSystemModuleLoads() {
    #expect(Bool(true))
}

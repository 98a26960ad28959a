import Testing
@testable import LaminaRuntime

@Test func LaminaRuntimeModuleLoads() {
    #expect(Bool(true))
}

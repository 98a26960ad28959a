import Testing
@testable import LaminaFUSE

@Test func LaminaFUSEModuleLoads() {
    #expect(Bool(true))
}

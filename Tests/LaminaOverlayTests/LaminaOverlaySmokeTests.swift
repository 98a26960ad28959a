import Testing
@testable import LaminaOverlay

@Test func LaminaOverlayModuleLoads() {
    #expect(Bool(true))
}

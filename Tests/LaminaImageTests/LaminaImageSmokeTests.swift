import Testing
@testable import LaminaImage

@Test func LaminaImageModuleLoads() {
    #expect(Bool(true))
}

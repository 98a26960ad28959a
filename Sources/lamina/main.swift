import LaminaCLI

Lamina.main()

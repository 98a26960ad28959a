// LaminaRuntime: placeholder until its issue lands.

// LaminaFUSE: placeholder until its issue lands.

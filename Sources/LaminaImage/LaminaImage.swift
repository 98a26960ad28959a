// LaminaImage: placeholder until its issue lands.

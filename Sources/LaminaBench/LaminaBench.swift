// LaminaBench: placeholder until its issue lands.

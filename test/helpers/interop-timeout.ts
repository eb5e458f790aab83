// Interop tests start real servers and Python processes: give each test minutes, not seconds.
jest.setTimeout(180_000);

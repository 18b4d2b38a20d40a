// Placeholder entry so the build has its third chunk; the emulator lands in src/emulator/.
export {};

// Language server entry point; filled in by the server work.
export {};

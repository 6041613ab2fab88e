//! WebAssembly binding of h2lens: convert in, call the core, convert out.

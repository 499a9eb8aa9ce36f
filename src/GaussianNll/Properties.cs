// Locals and stackalloc buffers are not zeroed on entry: every method here writes a buffer before it reads it, and
// the kernel's frame (vectors and spans) would otherwise cost a few hundred bytes of stores on every call.
[module: System.Runtime.CompilerServices.SkipLocalsInit]

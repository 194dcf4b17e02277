//! Array kernels: the numeric work behind the primitives, on typed ndarray data. Kernels know
//! values and errors, nothing of the tree or the runtime.

pub mod decomp;
pub mod elementwise;
pub mod fused;
pub mod index;
pub mod iterate;
pub mod krylov;
pub mod linalg;
pub mod npy;
pub mod printf;
pub mod random;
pub mod reduce;
pub mod rowpass;
pub mod serial;
pub mod shape;
pub mod unary;
pub mod vmath;

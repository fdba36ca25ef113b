pub mod qvd;

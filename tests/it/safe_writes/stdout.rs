//! Every command survives a closed standard output.

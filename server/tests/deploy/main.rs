//! What Plinth ships for deploying it, checked against the code: the IAM
//! policies and the templates that carry them.

mod policies;

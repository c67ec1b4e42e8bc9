"""The deployment's signing key: what signs the PDFs, bundle manifests and checkpoints that
leave Redress, so that a reader can check them without trusting the database."""

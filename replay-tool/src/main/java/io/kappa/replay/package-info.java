/** Rewind, replay, diff and promote; see docs/architecture.md. Not built yet. */
package io.kappa.replay;

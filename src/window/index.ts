// The window stage's whole public surface.
export { ContextWindow, type ContextWindowOptions, type WindowStats } from './context-window';
export { slideWindow, type WindowFrame } from './slide-window';

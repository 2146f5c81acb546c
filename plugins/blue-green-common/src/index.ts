/**
 * Types, annotations and permissions shared by the Blue/Green frontend and backend plugins.
 *
 * @packageDocumentation
 */

export * from './annotations';
export * from './permissions';
export * from './colors';
export * from './api';
export * from './target';
export * from './checklist';
export * from './fleet';
export * from './strategy';
export * from './text';
export * from './binding';

//! One of two modules, chosen when the network is built, that keeps the
//! parameter names of whichever it holds.
//!
//! burn's derived enum modules put the variant's name into every parameter
//! path (`Left.stem.conv.weight`), which would rename the tensors of runs
//! already saved and of their PyTorch export. This choice adds nothing to
//! the path, as burn's own `Option` does not: a baseline that trains two
//! model kinds reads and writes each exactly as the kind alone would.

use burn::module::{Content, Devices, Module, ModuleDisplay, ModuleDisplayDefault, ModuleMapper, ModuleVisitor};
use burn::prelude::*;
use std::fmt::Debug;

/// `Left` or `Right`, invisible in parameter paths.
#[derive(Debug, Clone)]
pub enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<L: Module, R: Module> Module for Either<L, R> {
    fn visit<V: ModuleVisitor>(&self, visitor: &mut V) {
        match self {
            Either::Left(m) => m.visit(visitor),
            Either::Right(m) => m.visit(visitor),
        }
    }

    fn map<M: ModuleMapper>(self, mapper: &mut M) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.map(mapper)),
            Either::Right(m) => Either::Right(m.map(mapper)),
        }
    }

    fn to_device(self, device: &Device) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.to_device(device)),
            Either::Right(m) => Either::Right(m.to_device(device)),
        }
    }

    fn fork(self, device: &Device) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.fork(device)),
            Either::Right(m) => Either::Right(m.fork(device)),
        }
    }

    fn collect_devices(&self, devices: Devices) -> Devices {
        match self {
            Either::Left(m) => m.collect_devices(devices),
            Either::Right(m) => m.collect_devices(devices),
        }
    }

    fn valid(&self) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.valid()),
            Either::Right(m) => Either::Right(m.valid()),
        }
    }

    fn train(self) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.train()),
            Either::Right(m) => Either::Right(m.train()),
        }
    }

    fn materialize(self) -> Self {
        match self {
            Either::Left(m) => Either::Left(m.materialize()),
            Either::Right(m) => Either::Right(m.materialize()),
        }
    }

    fn num_params(&self) -> usize {
        match self {
            Either::Left(m) => m.num_params(),
            Either::Right(m) => m.num_params(),
        }
    }
}

impl<L: ModuleDisplay, R: ModuleDisplay> ModuleDisplayDefault for Either<L, R> {
    fn content(&self, content: Content) -> Option<Content> {
        match self {
            Either::Left(m) => content.add_single(m).optional(),
            Either::Right(m) => content.add_single(m).optional(),
        }
    }
}

impl<L: ModuleDisplay, R: ModuleDisplay> ModuleDisplay for Either<L, R> {}

impl<L: ModuleDisplay, R: ModuleDisplay> std::fmt::Display for Either<L, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", ModuleDisplay::format(self, Default::default()))
    }
}

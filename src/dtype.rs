//! Element types: [`Dtype`], what a tensor holds, and [`FloatDtype`], the float types a script
//! chooses between (`dtype f32`, float literals). Below values, types and syntax, which all use
//! them.

/// Float element types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatDtype {
    /// 32-bit float (`f32`).
    F32,
    /// 64-bit float (`f64`).
    F64,
}

/// Element types of tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// 64-bit float.
    F64,
    /// 32-bit float.
    F32,
    /// 64-bit integer.
    I64,
    /// Boolean.
    Bool,
}

impl Dtype {
    /// The name as written in types.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F64 => "f64",
            Dtype::F32 => "f32",
            Dtype::I64 => "i64",
            Dtype::Bool => "bool",
        }
    }

    /// Whether this is a float dtype (what `grad` differentiates).
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F64 | Dtype::F32)
    }

    /// The bytes of one element.
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 => 8,
            Dtype::F32 => 4,
            Dtype::I64 => 8,
            Dtype::Bool => 1,
        }
    }
}

impl From<FloatDtype> for Dtype {
    fn from(d: FloatDtype) -> Dtype {
        match d {
            FloatDtype::F64 => Dtype::F64,
            FloatDtype::F32 => Dtype::F32,
        }
    }
}

//! nghttp2's HPACK inflater (`nghttp2_hd_inflate_hd2`) through FFI: the
//! reference every ratio is taken against.
//!
//! This is the only module of the crate allowed `unsafe` (see Cargo.toml).
//! The declarations follow `/usr/include/nghttp2/nghttp2.h` (1.52).
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, CStr};
use std::ptr::NonNull;

use super::Decoder;
use crate::corpus::Story;
use crate::sink::FieldSink;

pub const NAME: &str = "nghttp2";

/// `nghttp2_hd_inflater`: opaque.
#[repr(C)]
struct RawInflater {
    _private: [u8; 0],
}

/// `nghttp2_nv`.
#[repr(C)]
struct RawNv {
    name: *mut u8,
    value: *mut u8,
    namelen: usize,
    valuelen: usize,
    flags: u8,
}

/// `nghttp2_info`.
#[repr(C)]
struct RawInfo {
    age: c_int,
    version_num: c_int,
    version_str: *const c_char,
    proto_str: *const c_char,
}

/// `nghttp2_hd_inflate_flag`.
const INFLATE_FINAL: c_int = 0x01;
const INFLATE_EMIT: c_int = 0x02;

#[link(name = "nghttp2")]
unsafe extern "C" {
    fn nghttp2_hd_inflate_new(inflater_ptr: *mut *mut RawInflater) -> c_int;
    fn nghttp2_hd_inflate_del(inflater: *mut RawInflater);
    fn nghttp2_hd_inflate_change_table_size(
        inflater: *mut RawInflater,
        settings_max_dynamic_table_size: usize,
    ) -> c_int;
    fn nghttp2_hd_inflate_hd2(
        inflater: *mut RawInflater,
        nv_out: *mut RawNv,
        inflate_flags: *mut c_int,
        input: *const u8,
        inlen: usize,
        in_final: c_int,
    ) -> isize;
    fn nghttp2_hd_inflate_end_headers(inflater: *mut RawInflater) -> c_int;
    fn nghttp2_version(least_version: c_int) -> *const RawInfo;
}

/// The linked library's version string, e.g. "1.52.0".
pub fn library_version() -> String {
    // SAFETY: nghttp2_version(0) returns a pointer to a static struct (never
    // null for least_version 0) whose version_str is a static C string.
    unsafe {
        let info = nghttp2_version(0);
        if info.is_null() || (*info).version_str.is_null() {
            return "unknown".to_string();
        }
        CStr::from_ptr((*info).version_str)
            .to_string_lossy()
            .into_owned()
    }
}

/// An owned inflater: one HPACK decoding context.
struct Inflater(NonNull<RawInflater>);

impl Inflater {
    fn new() -> Result<Self, String> {
        let mut raw: *mut RawInflater = std::ptr::null_mut();
        // SAFETY: `raw` is a valid out-pointer; on success nghttp2 stores a
        // newly allocated inflater there, which Drop frees.
        let rv = unsafe { nghttp2_hd_inflate_new(&mut raw) };
        match NonNull::new(raw) {
            Some(ptr) if rv == 0 => Ok(Inflater(ptr)),
            _ => Err(format!("nghttp2_hd_inflate_new failed ({rv})")),
        }
    }

    fn change_table_size(&mut self, size: u32) -> Result<(), String> {
        // SAFETY: the inflater is live and not inside a header block (the
        // previous block ended with end_headers or the inflater is new).
        let rv = unsafe { nghttp2_hd_inflate_change_table_size(self.0.as_ptr(), size as usize) };
        if rv == 0 {
            Ok(())
        } else {
            Err(format!(
                "nghttp2_hd_inflate_change_table_size failed ({rv})"
            ))
        }
    }

    /// Inflates one complete header block, calling `emit` for each field.
    fn inflate_block(
        &mut self,
        block: &[u8],
        mut emit: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), isize> {
        let mut input = block;
        loop {
            let mut nv = RawNv {
                name: std::ptr::null_mut(),
                value: std::ptr::null_mut(),
                namelen: 0,
                valuelen: 0,
                flags: 0,
            };
            let mut flags: c_int = 0;
            // SAFETY: the inflater is live; `input` is a valid slice; `nv`
            // and `flags` are valid out-pointers. in_final = 1: the block is
            // complete.
            let rv = unsafe {
                nghttp2_hd_inflate_hd2(
                    self.0.as_ptr(),
                    &mut nv,
                    &mut flags,
                    input.as_ptr(),
                    input.len(),
                    1,
                )
            };
            if rv < 0 {
                return Err(rv);
            }
            input = input.get(rv as usize..).ok_or(rv)?;
            if flags & INFLATE_EMIT != 0 {
                // SAFETY: on EMIT, name/value point to namelen/valuelen bytes
                // owned by the inflater (or by `block`), valid until the next
                // call into the inflater; the slices do not outlive `emit`.
                let (name, value) = unsafe {
                    (
                        raw_slice(nv.name, nv.namelen),
                        raw_slice(nv.value, nv.valuelen),
                    )
                };
                emit(name, value);
            }
            if flags & INFLATE_FINAL != 0 {
                // SAFETY: the inflater is live; ends the block.
                unsafe { nghttp2_hd_inflate_end_headers(self.0.as_ptr()) };
                return Ok(());
            }
            if flags & INFLATE_EMIT == 0 && input.is_empty() {
                // Cannot happen with in_final = 1, but never loop forever.
                return Err(0);
            }
        }
    }
}

/// # Safety
/// `ptr` must point to `len` readable bytes that outlive the returned slice,
/// unless `len` is 0.
unsafe fn raw_slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: the pointer came from nghttp2_hd_inflate_new and is freed
        // exactly once.
        unsafe { nghttp2_hd_inflate_del(self.0.as_ptr()) }
    }
}

pub struct Nghttp2;

impl Decoder for Nghttp2 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        format!(
            "libnghttp2 {} (nghttp2_hd_inflate_hd2, FFI)",
            library_version()
        )
    }

    fn decode_story(
        &mut self,
        _index: usize,
        story: &Story,
        sink: &mut FieldSink,
    ) -> Result<(), String> {
        let mut inflater = Inflater::new()?;
        for (i, block) in story.blocks.iter().enumerate() {
            if let Some(size) = block.table_size {
                inflater.change_table_size(size)?;
            }
            inflater
                .inflate_block(&block.wire, |name, value| sink.field(name, value))
                .map_err(|rv| format!("block {i}: nghttp2_hd_inflate_hd2 returned {rv}"))?;
            sink.end_block();
        }
        Ok(())
    }
}

# The accelerator probe: a boot sector that walks real mode → protected mode → long mode and writes
# "RPL" to the first serial port on the way. An accelerator that cannot run ordinary guests (a
# paravirtualised /dev/kvm that hangs a kernel right after real mode) stops before the "L".
# Rebuild accel_probe.bin with:
#   as --32 -o p.o accel_probe.s && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o accel_probe.bin p.o
.code16
.globl _start
_start:
  cli
  xor %ax,%ax
  mov %ax,%ds
  mov %ax,%ss
  mov $0x7c00,%sp
  mov $0x3f8,%dx
  mov $'R',%al
  out %al,%dx
  lgdtl gdtr
  mov %cr0,%eax
  or $1,%eax
  mov %eax,%cr0
  ljmpl $0x08,$pm
.code32
pm:
  mov $0x10,%ax
  mov %ax,%ds
  mov %ax,%es
  mov %ax,%ss
  mov $0x3f8,%dx
  mov $'P',%al
  out %al,%dx
  # page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD, one 2 MiB page)
  mov $0x1000,%edi
  xor %eax,%eax
  mov $0xc00,%ecx
  rep stosl
  movl $0x2003,0x1000
  movl $0x3003,0x2000
  movl $0x83,0x3000
  mov %cr4,%eax
  or $0x20,%eax
  mov %eax,%cr4
  mov $0x1000,%eax
  mov %eax,%cr3
  mov $0xC0000080,%ecx
  rdmsr
  or $0x100,%eax
  wrmsr
  mov %cr0,%eax
  or $0x80000000,%eax
  mov %eax,%cr0
  ljmp $0x18,$lm
.code64
lm:
  mov $0x3f8,%dx
  mov $'L',%al
  out %al,%dx
1: hlt
  jmp 1b
.align 8
gdt: .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff, 0x00af9a000000ffff
gdtr: .word gdtr-gdt-1
  .long gdt
.org 510
.byte 0x55,0xaa

import { useId, type ReactNode, type SelectHTMLAttributes } from 'react';

/**
 * A labelled select. The label points at the select (htmlFor) instead of wrapping it: a wrapping label
 * would fold every option's text into the select's accessible name.
 */
export function SelectField({ label, className, children, ...select }: { label: string; className?: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>{children}</select>
    </div>
  );
}

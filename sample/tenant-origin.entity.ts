import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One front-end a tenant has registered: an exact serialized origin such as `https://shop.example`. */
@Entity({ name: 'tenant_origins' })
export class TenantOrigin {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 1024, unique: true })
  origin!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
